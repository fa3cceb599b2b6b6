"""Page script: the work is in webapp.views.savings.render()."""

from webapp.views import savings

savings.render()
