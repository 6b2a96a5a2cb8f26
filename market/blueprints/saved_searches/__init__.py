from market.blueprints.saved_searches.routes import bp

__all__ = ["bp"]
