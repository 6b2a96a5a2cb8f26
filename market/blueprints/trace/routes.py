from flask import Blueprint

bp = Blueprint("trace", __name__)
