"""The Streamlit app's package: pages (thin scripts), views (one render function each), charts, state."""
