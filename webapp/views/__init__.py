"""One ``render()`` per page: widgets wired to procurement/optimizer functions and chart builders."""
