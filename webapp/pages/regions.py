"""Page script: the work is in webapp.views.regions.render()."""

from webapp.views import regions

regions.render()
