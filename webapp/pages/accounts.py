"""Page script: the work is in webapp.views.accounts.render()."""

from webapp.views import accounts

accounts.render()
