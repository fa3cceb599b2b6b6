"""数据上传: drop spreadsheets, see what each sheet was taken for and every problem, then confirm."""

from __future__ import annotations

import streamlit as st

from procurement import roles, workflow
from procurement.model import TABLE_KINDS
from procurement.problems import InputError
from webapp import data, state, widgets
from webapp.tables import for_display, problems_frame
from webapp.upload import (
    OUTSIDE_COUNTS,
    PROBLEM_COUNTS,
    RECORD_MONEY,
    RECORD_VOLUMES,
    SHEET_COUNTS,
    TRAIL_COUNTS,
    marked_copy,
    on_screen,
    outside_frame,
    preview_frame,
    removal_trail_frame,
    removals_frame,
    sheets_frame,
    summary_counts,
)


def _templates(role: str) -> None:
    tr = state.tr
    kinds = roles.writable_kinds(role, TABLE_KINDS)  # a hospital: purchases, payments, declarations
    if not kinds:
        return
    with st.expander(tr("templates")):
        cols = st.columns(4)
        for i, kind in enumerate(kinds):
            with cols[i % 4]:
                widgets.download(tr(f"kind_{kind}"), lambda k=kind: data.template_xlsx(k),
                                 f"模板_{tr(f'kind_{kind}')}.xlsx", key=f"template_{kind}")


def _sheet_summaries(check) -> None:
    """What a person must see before saving: drugs left out as outside the procurement, warnings."""
    tr, lang = state.tr, state.language()
    for sheet in check.result.sheets:
        summary = sheet.to_json()
        top, warnings = summary.get("outside_procurement_top"), summary.get("warnings")
        supplied = summary.get("hospital_supplied")
        if not (top or warnings or supplied):
            continue
        with st.expander(tr("import_summary", file=sheet.file, sheet=sheet.sheet), expanded=bool(warnings)):
            if supplied:
                st.info(tr("hospital_supplied", hospital=supplied))
            if top:
                st.caption(tr("outside_top"))
                widgets.dataframe(on_screen(outside_frame(summary, lang), lang, counts=OUTSIDE_COUNTS))
            if warnings:
                st.caption(tr("sheet_warnings"))
                st.warning("\n\n".join(warnings))


def _correction(ctx, check, scope: str | None) -> tuple[bool, dict[str, int] | None]:
    """The correction checkbox and, when ticked, every stored row the save would remove, listed
    before the save button; returns whether to replace and the counts shown (the save re-checks them)."""
    tr, lang = state.tr, state.language()
    if not st.checkbox(tr("replace_period"), key="replace_period"):
        return False, None
    preview = workflow.removals(ctx.engine(), check, scope)
    counts = {kind: len(frame) for kind, frame in preview.items()}
    total = sum(counts.values())
    if total:
        st.warning(tr("would_remove", n=total))
        widgets.dataframe(on_screen(removals_frame(preview, lang), lang, volumes=RECORD_VOLUMES, money=RECORD_MONEY),
                          key="upload_removals")
    else:
        st.info(tr("nothing_removed"))
    return True, counts


def render() -> None:
    user = state.current_user()
    tr, lang = state.tr, state.language()
    st.title(tr("page_upload"))
    if user.scope:
        st.caption(tr("hospital_scope", hospital=user.scope))
    _templates(user.role)
    generation = state.get("uploader_generation", 0)
    files = st.file_uploader(tr("upload_files"), type=["xlsx", "xls", "csv", "txt", "tsv"], accept_multiple_files=True,
                             key=f"uploader_{generation}")
    ctx = data.context(user.scope)
    done = state.get("last_import")
    if done and not files:
        st.success(tr("imported", **done) + ("；" + tr("imported_removed", **done) if done.get("removed") else ""))
    if files:
        state.drop("last_import")
        sources = tuple(data.sources_of(files))
        check = workflow.for_role(data.check_upload(ctx.url, ctx.version, ctx.scope, sources), user.role, user.scope)
        st.subheader(tr("sheets_found"))
        widgets.dataframe(on_screen(sheets_frame(check, lang), lang, counts=SHEET_COUNTS), key="upload_sheets")
        _sheet_summaries(check)
        for sheet in check.result.sheets:
            if sheet.frame is not None and not sheet.frame.empty:
                with st.expander(f"{tr('preview')}: {sheet.file} › {sheet.sheet} ({tr(f'kind_{sheet.kind}')})"):
                    widgets.dataframe(preview_frame(sheet.frame, sheet.kind, lang))
        if check.result.problems:
            st.subheader(tr("problems", n=len(check.result.problems)))
            st.error(tr("fix_then_upload"))
            widgets.dataframe(on_screen(problems_frame(check.result.problems, lang), lang, counts=PROBLEM_COUNTS),
                              key="upload_problems")
            for name in check.files_with_problems():
                widgets.download(tr("download_marked", file=name), lambda n=name: marked_copy(check, n),
                                 f"标注_{name.rsplit('.', 1)[0]}.xlsx", key=f"marked_{name}")
        elif check.ok:
            st.success(tr("clean_files"))
            replace, expected = _correction(ctx, check, user.scope)
            if st.button(tr("confirm_import"), type="primary", key="confirm_import"):
                try:
                    summary = workflow.save(ctx.engine(), check, user.username, user.scope, user.role,
                                          replace_period=replace, expect_removed=expected)
                except InputError as exc:
                    st.error(tr("problems", n=len(exc.problems)))
                    widgets.dataframe(on_screen(problems_frame(exc.problems, lang), lang, counts=PROBLEM_COUNTS),
                                      key="save_problems")
                else:
                    if user.scope is None:  # the alliance's report is the coordinator's next page
                        with st.spinner(tr("refreshing_figures")):
                            data.refresh_snapshot(ctx.url)
                    else:  # a hospital's own pages never read it: made in the background
                        data.refresh_snapshot(ctx.url, wait=False)
                    state.put("last_import", summary_counts(summary))
                    state.put("uploader_generation", generation + 1)
                    st.rerun()
    history = data.imports(ctx.url, ctx.version, ctx.scope)
    if len(history):
        st.subheader(tr("import_history"))
        widgets.dataframe(for_display(history, ["import_id", "user", "imported_at", "source_name", "rows_added",
                                                "rows_replaced", "rows_unchanged", "rows_removed"], lang),
                          key="upload_history")
        if history["rows_removed"].sum():
            _removal_trail(ctx, lang)


def _removal_trail(ctx, lang: str) -> None:
    """Every row a correction removed: what it held, who removed it, when, from which file."""
    from procurement.history import removals

    with st.expander(state.tr("removal_trail")):
        widgets.dataframe(on_screen(removal_trail_frame(removals(ctx.engine(), ctx.scope), lang), lang,
                                    counts=TRAIL_COUNTS, money=RECORD_MONEY), key="upload_removal_trail")
