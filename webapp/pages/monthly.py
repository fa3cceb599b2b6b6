"""Page script: the work is in webapp.views.monthly.render()."""

from webapp.views import monthly

monthly.render()
