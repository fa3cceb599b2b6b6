"""Page script: the work is in webapp.views.upload.render()."""

from webapp.views import upload

upload.render()
