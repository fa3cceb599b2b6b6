"""Chinese for the few strings Streamlit draws itself and offers no parameter to change (1.67).

The file uploader says "Upload", "200MB per file • XLSX, ..." and, while a file is dragged over it,
"Drag and drop files here"; a text field in a form says "Press Enter to submit form". Streamlit has no
translation or parameter for any of them, so in the Chinese interface a style sheet hides each English
text and draws the Chinese one in its place (CSS ``::after`` content). It is a trick, kept to this
module: the selectors are Streamlit's own test ids where it has them (stable across releases) and the
element structure where it has none; if a release moves them, the English text simply shows again.
"""

from __future__ import annotations

import streamlit as st

UPLOAD_BUTTON = "选择文件"
DROP_HERE = "拖放文件到此处"
PRESS_ENTER = "按回车键确认"


def upload_limit_text(max_upload_mb: int) -> str:
    """What the uploader says under its button: how to add files and the size limit of each."""
    return f"或将文件拖放到此处 · 每个文件不超过 {max_upload_mb} MB"


def chinese_css(max_upload_mb: int) -> str:
    """The style sheet that puts Chinese in place of Streamlit's own English strings."""
    dropzone = '[data-testid="stFileUploaderDropzone"]'
    instructions = '[data-testid="stFileUploaderDropzoneInstructions"]'
    enter = '[data-testid="InputInstructions"] > span:first-child'
    return f"""
{dropzone} button [data-testid="stMarkdownContainer"] p {{ display: none; }}
{dropzone} button [data-testid="stMarkdownContainer"]::after {{ content: "{UPLOAD_BUTTON}"; }}
{instructions} span {{ display: none; }}
{instructions} > div::after {{
  content: "{upload_limit_text(max_upload_mb)}"; font-size: 0.875rem; opacity: 0.7;
}}
{dropzone} > div:not([data-testid]) > span {{ font-size: 0; }}
{dropzone} > div:not([data-testid]) > span::after {{ content: "{DROP_HERE}"; font-size: 0.875rem; }}
{enter} {{ font-size: 0; }}
{enter}::after {{ content: "{PRESS_ENTER}"; font-size: 0.75rem; }}
"""


def apply(lang: str) -> None:
    """Put the Chinese strings in place, on every run of every page (a style-only st.html takes no space)."""
    if lang != "zh":
        return
    limit = int(st.get_option("server.maxUploadSize"))
    st.html(f"<style>{chinese_css(limit)}</style>")
