"""Page script: the work is in webapp.views.supply.render()."""

from webapp.views import supply

supply.render()
