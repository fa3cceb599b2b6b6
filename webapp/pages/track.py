"""Page script: the work is in webapp.views.track.render()."""

from webapp.views import track

track.render()
