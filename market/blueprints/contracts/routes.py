from flask import Blueprint

bp = Blueprint("contracts", __name__)
