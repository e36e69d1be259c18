"""The Celery application: ``celery -A tasks worker --beat`` from the repository root.

Task bodies live in the feature packages (``teia.<feature>.tasks``) and call their services;
this module only builds the Flask app they run in.
"""

from teia import create_app

flask_app = create_app()
app = celery = flask_app.extensions["celery"]
