"""A corpus of malformed and hostile uploads, built at test time (no binary fixtures committed).

Each builder returns the file's bytes; ``CORPUS`` maps a file name (its extension is what the
attacker chose, not what the bytes are) to the builder and the words the refusal must contain, so
a test can tell "refused for the right reason" from "refused by accident". Every file here must be
refused by the CLI (exit 2) and by the app's upload check, within seconds, with the process alive.

The workbook parts are written by hand (``xlsx_parts``) so each attack sits exactly where a real
one would: in the sheet XML's prolog, its <dimension>, between its rows, in the zip directory.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from collections.abc import Callable

from openpyxl import Workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

CONTENT_TYPES = DECL + (
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
ROOT_RELS = DECL + (
    f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
    f'Target="xl/workbook.xml"/></Relationships>'
).encode()
WORKBOOK = DECL + (
    f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="采购记录" sheetId="1" r:id="rId1"/>'
    f"</sheets></workbook>"
).encode()
WORKBOOK_RELS = DECL + (
    f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/worksheet" '
    f'Target="worksheets/sheet1.xml"/></Relationships>'
).encode()

HEADER = ["订单编号", "入库日期", "机构编码", "产品编码", "采购数量"]
ROW = ["X1", "2020-03-05", "H001", "P001", 2]


def _cell(ref: str, value: object) -> str:
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def purchase_rows(extra: str = "") -> bytes:
    """<row> elements of a valid purchases sheet (header and one line), plus ``extra`` XML."""
    cols = "ABCDE"
    rows = [HEADER, ROW]
    xml = "".join(
        f'<row r="{r}">' + "".join(_cell(f"{cols[c]}{r}", v) for c, v in enumerate(row)) + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    return (xml + extra).encode()


def sheet_xml(rows: bytes, dimension: str | None = "A1:E2", prolog: bytes = b"", between: bytes = b"") -> bytes:
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return (DECL + prolog + f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'.encode() + dim
            + b"<sheetData>" + rows + between + b"</sheetData></worksheet>")


def xlsx_parts(sheet: bytes, extra: dict[str, bytes] | None = None,
               sheet_writer: Callable[[zipfile.ZipFile], None] | None = None) -> bytes:
    """A minimal workbook whose sheet1.xml is ``sheet`` (or written by ``sheet_writer``)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        if sheet_writer is None:
            zf.writestr("xl/worksheets/sheet1.xml", sheet)
        else:
            sheet_writer(zf)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def valid_xlsx() -> bytes:
    """The purchases sheet the attacks below are built on: it imports against import_fixtures.reference()."""
    return xlsx_parts(sheet_xml(purchase_rows()))


# --- bombs by declared dimension and by cell position -----------------------------------------

def dimension_bomb() -> bytes:
    """5 KB: the sheet declares A1:XFD1048576, which made calamine ask for 512 GiB and abort."""
    return xlsx_parts(sheet_xml(purchase_rows(), dimension="A1:XFD1048576"))


def dimension_bomb_elsewhere() -> bytes:
    """The same bomb in a sheet stored at xl/data/s1.xml: found through the workbook's relationships."""
    data = xlsx_parts(sheet_xml(purchase_rows(), dimension="A1:XFD1048576"))
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            content = src.read(info)
            name = info.filename
            if name == "xl/worksheets/sheet1.xml":
                name = "xl/data/s1.xml"
            content = content.replace(b"worksheets/sheet1.xml", b"data/s1.xml")
            out.writestr(name, content)
    return buf.getvalue()


def dimension_rows_bomb() -> bytes:
    """A declared range of 2,000,000 rows: over Excel's own limit."""
    return xlsx_parts(sheet_xml(purchase_rows(), dimension="A1:E2000000"))


def far_cell() -> bytes:
    """No <dimension>; one real cell at XFD1048576: the range is only known while parsing."""
    return xlsx_parts(sheet_xml(purchase_rows('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
                                dimension=None))


def far_cell_lying_dimension() -> bytes:
    """The dimension says A1:E2, a cell at XFD1048576 says otherwise."""
    return xlsx_parts(sheet_xml(purchase_rows('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')))


def columns_16384() -> bytes:
    """A real sheet 16,384 columns wide (a header row filled to XFD), written by openpyxl."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER + [f"列{i}" for i in range(16_384 - len(HEADER))])
    ws.append(ROW)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def too_many_sheets() -> bytes:
    """300 sheets; each is tiny, their number is the attack."""
    wb = Workbook(write_only=True)
    for i in range(300):
        wb.create_sheet(f"S{i}").append(["x"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- bombs by size ------------------------------------------------------------------------------

def _whitespace_sheet(megabytes: int) -> Callable[[zipfile.ZipFile], None]:
    def write(zf: zipfile.ZipFile) -> None:
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            head = sheet_xml(purchase_rows())
            cut = head.index(b"</sheetData>")
            f.write(head[:cut])
            block = b" " * (1 << 20)
            for _ in range(megabytes):
                f.write(block)
            f.write(head[cut:])
    return write


def whitespace_bomb() -> bytes:
    """64 MB of blanks between the rows, deflated to ~64 KB (1000:1)."""
    return xlsx_parts(b"", sheet_writer=_whitespace_sheet(64))


def shared_strings_bomb() -> bytes:
    """The bomb in sharedStrings.xml: one string of 32 MB of the same character."""
    strings = DECL + f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode() + b"A" * (32 << 20) + b"</t></si></sst>"
    return xlsx_parts(sheet_xml(purchase_rows()), extra={"xl/sharedStrings.xml": strings})


def _patch_sizes(data: bytes, member: str, uncompressed: int) -> bytes:
    """Rewrite the uncompressed size the zip declares for ``member`` (local header and directory)."""
    out = bytearray(data)
    name = member.encode()
    pos = out.find(b"PK\x03\x04" + b"")
    while pos >= 0:
        nlen = struct.unpack_from("<H", out, pos + 26)[0]
        if out[pos + 30: pos + 30 + nlen] == name:
            struct.pack_into("<I", out, pos + 22, uncompressed)
        pos = out.find(b"PK\x03\x04", pos + 4)
    pos = out.find(b"PK\x01\x02")
    while pos >= 0:
        nlen = struct.unpack_from("<H", out, pos + 28)[0]
        if out[pos + 46: pos + 46 + nlen] == name:
            struct.pack_into("<I", out, pos + 24, uncompressed)
        pos = out.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def declared_size_bomb() -> bytes:
    """The directory declares 3.9 GB for a 2 KB sheet: the declaration alone is refused."""
    return _patch_sizes(valid_xlsx(), "xl/worksheets/sheet1.xml", 0xF000_0000)


def lying_size_bomb() -> bytes:
    """The directory declares 1 KB for a sheet that inflates to 16 MB: caught when it overflows."""
    raw = xlsx_parts(b"", sheet_writer=_whitespace_sheet(16))
    return _patch_sizes(raw, "xl/worksheets/sheet1.xml", 1024)


# --- bombs by entities --------------------------------------------------------------------------

LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
                     for i in range(1, 10))
          + b"]>")


def billion_laughs() -> bytes:
    """The classic: nine levels of ten entity references, 10^9 "lol"s when expanded."""
    return xlsx_parts(sheet_xml(purchase_rows('<row r="3"><c r="A3" t="inlineStr"><is><t>&lol9;</t></is></c></row>'),
                                prolog=LAUGHS))


def external_entity() -> bytes:
    """An external entity naming a local file (XXE)."""
    prolog = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return xlsx_parts(sheet_xml(purchase_rows('<row r="3"><c r="A3" t="inlineStr"><is><t>&xxe;</t></is></c></row>'),
                                prolog=prolog))


def entity_in_shared_strings() -> bytes:
    """The DOCTYPE in sharedStrings.xml, which a sheet-only check would miss."""
    strings = DECL + b'<!DOCTYPE sst [<!ENTITY e "99">]>' + f'<sst xmlns="{MAIN}"><si><t>&amp;e;</t></si></sst>'.encode()
    return xlsx_parts(sheet_xml(purchase_rows()), extra={"xl/sharedStrings.xml": strings})


def doctype_mid_document() -> bytes:
    """A DOCTYPE after the root element: not XML, but a lenient parser reads on."""
    return xlsx_parts(sheet_xml(purchase_rows(), between=b'<!DOCTYPE x [<!ENTITY e "5">]>'))


def undefined_entity() -> bytes:
    """A quantity written as &qty; with no declaration: calamine reads it as an empty cell."""
    rows = purchase_rows().replace(b"<v>2</v>", b"<v>&qty;</v>")
    return xlsx_parts(sheet_xml(rows))


# --- damaged, encrypted, formulas --------------------------------------------------------------

def truncated_zip() -> bytes:
    data = valid_xlsx()
    return data[: len(data) // 2]


def corrupt_member() -> bytes:
    """The sheet's deflate stream overwritten with noise; the directory intact."""
    data = bytearray(valid_xlsx())
    pos = data.find(b"PK\x03\x04")
    while pos >= 0:
        nlen, xlen = struct.unpack_from("<HH", data, pos + 26)
        if data[pos + 30: pos + 30 + nlen] == b"xl/worksheets/sheet1.xml":
            size = struct.unpack_from("<I", data, pos + 18)[0]
            start = pos + 30 + nlen + xlen
            data[start: start + size] = random.Random(1).randbytes(size)
            break
        pos = data.find(b"PK\x03\x04", pos + 4)
    return bytes(data)


def zip_not_workbook() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "not a workbook")
    return buf.getvalue()


def encrypted_zip_member() -> bytes:
    """A workbook whose members carry the zip 'encrypted' flag (a password-protected zip)."""
    data = bytearray(valid_xlsx())
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = data.find(sig)
        while pos >= 0:
            struct.pack_into("<H", data, pos + flag_at, struct.unpack_from("<H", data, pos + flag_at)[0] | 1)
            pos = data.find(sig, pos + 4)
    return bytes(data)


def _dir_entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    entry = encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
    entry += struct.pack("<III", 0xFFFFFFFF, right, child) + b"\0" * 16 + struct.pack("<I", 0) + b"\0" * 16
    return entry + struct.pack("<IQ", start, size)


def encrypted_ole2() -> bytes:
    """An Office-encrypted .xlsx: an OLE2 (CFB v3) container of EncryptionInfo + EncryptedPackage.

    Built sector by sector: header, one FAT sector, one directory sector, then the two streams of
    4096 bytes each (8 sectors, so no mini stream is needed).
    """
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end)
    struct.pack_into("<I", header, 68, 0)
    header[72:76] = struct.pack("<I", 0)  # DIFAT[0]: the FAT is sector 0
    for i in range(1, 109):
        struct.pack_into("<I", header, 72 + 4 * i, free)
    fat = [fat_sect, end] + [3, 4, 5, 6, 7, 8, 9, end] + [11, 12, 13, 14, 15, 16, 17, end]
    fat_sector = struct.pack(f"<{len(fat)}I", *fat) + struct.pack("<I", free) * (128 - len(fat))
    directory = (_dir_entry("Root Entry", 5, 1, free, end, 0)
                 + _dir_entry("EncryptionInfo", 2, free, 2, 2, 4096)
                 + _dir_entry("EncryptedPackage", 2, free, free, 10, 4096)
                 + b"\0" * 128)
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>"
    package = struct.pack("<Q", 2048) + random.Random(2).randbytes(4088)
    return bytes(header) + fat_sector + directory + info.ljust(4096, b"\0") + package


def ole2_garbage() -> bytes:
    """The OLE2 signature followed by noise: looks like an .xls, is nothing."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(3).randbytes(8192)


def formula_without_value() -> bytes:
    """openpyxl writes formulas without a cached value: the quantity would read as blank."""
    wb = Workbook()
    ws = wb.active
    ws.title = "采购记录"
    ws.append(HEADER)
    ws.append(["X1", "2020-03-05", "H001", "P001", "=1+1"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- text and HTML ------------------------------------------------------------------------------

def huge_field_csv() -> bytes:
    """One 50 MB field: Python's csv used to raise 'field larger than field limit' uncaught."""
    return ",".join(HEADER).encode() + b'\nX1,2020-03-05,H001,P001,"' + b"9" * (50 << 20) + b'"\n'


def whitespace_csv() -> bytes:
    """20 MB of blanks in the first field."""
    return b" " * (20 << 20) + b"," + ",".join(HEADER).encode() + b"\n"


def many_lines_csv() -> bytes:
    """2,000,000 empty lines after the header: over Excel's 1,048,576 rows, 2 MB on disk."""
    return ",".join(HEADER).encode() + b"\n" + b"\n" * 2_000_000


def columns_csv() -> bytes:
    """16,384 columns in a CSV."""
    return ",".join(HEADER + [f"c{i}" for i in range(16_384)]).encode() + b"\n"


def html_colspan_bomb() -> bytes:
    """An HTML 'xls' whose cell spans 1,000,000 columns."""
    return ('<html><body><table><tr><td colspan="1000000">x</td></tr>'
            + "<tr>" + "".join(f"<td>{h}</td>" for h in HEADER) + "</tr></table></body></html>").encode()


def html_no_table() -> bytes:
    return b"<html><body><p>\xe6\x97\xa0\xe8\xa1\xa8\xe6\xa0\xbc</p></body></html>"


def xml_2003() -> bytes:
    """Excel 2003 XML (SpreadsheetML) saved as .xls: neither a workbook calamine reads nor HTML."""
    return (b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
            b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"/></Workbook>')


def garbage(seed: int) -> Callable[[], bytes]:
    def build() -> bytes:
        return random.Random(seed).randbytes(64 * 1024)
    return build


def empty() -> bytes:
    return b""


# name -> (builder, a phrase the English half of the refusal must contain)
CORPUS: dict[str, tuple[Callable[[], bytes], str]] = {
    "dimension_bomb.xlsx": (dimension_bomb, "declares 16384 columns"),
    "dimension_rows.xlsx": (dimension_rows_bomb, "declares 2000000 rows"),
    "dimension_bomb_elsewhere.xlsx": (dimension_bomb_elsewhere, "declares 16384 columns"),
    "far_cell.xlsx": (far_cell, "more memory than allowed"),
    "far_cell_lying_dimension.xlsx": (far_cell_lying_dimension, "more memory than allowed"),
    "columns_16384.xlsx": (columns_16384, "16384 columns"),
    "too_many_sheets.xlsx": (too_many_sheets, "300 sheets"),
    "whitespace_bomb.xlsx": (whitespace_bomb, "likely zip bomb"),
    "shared_strings_bomb.xlsx": (shared_strings_bomb, "likely zip bomb"),
    "declared_size_bomb.xlsx": (declared_size_bomb, "likely zip bomb"),
    "lying_size_bomb.xlsx": (lying_size_bomb, "damaged"),
    "billion_laughs.xlsx": (billion_laughs, "DOCTYPE/ENTITY"),
    "external_entity.xlsx": (external_entity, "DOCTYPE/ENTITY"),
    "entity_in_shared_strings.xlsx": (entity_in_shared_strings, "DOCTYPE/ENTITY"),
    "doctype_mid_document.xlsx": (doctype_mid_document, "DOCTYPE/ENTITY"),
    "undefined_entity.xlsx": (undefined_entity, "undefined entity"),
    "truncated.xlsx": (truncated_zip, "damaged"),
    "corrupt_member.xlsx": (corrupt_member, "damaged"),
    "zip_not_workbook.xlsx": (zip_not_workbook, "not an Excel workbook"),
    "encrypted_zip.xlsx": (encrypted_zip_member, "encrypted"),
    "encrypted_ole2.xlsx": (encrypted_ole2, "encrypted"),
    "ole2_garbage.xls": (ole2_garbage, "cannot"),
    "formula_without_value.xlsx": (formula_without_value, "formula without a saved value"),
    "huge_field.csv": (huge_field_csv, "over 32767 characters"),
    "whitespace_field.csv": (whitespace_csv, "over 32767 characters"),
    "many_lines.csv": (many_lines_csv, "2000001 lines, over the limit of 1048576"),
    "columns_16384.csv": (columns_csv, "16389 columns"),
    "html_colspan_bomb.xls": (html_colspan_bomb, "too large"),
    "html_no_table.xls": (html_no_table, "no table"),
    "excel_2003_xml.xls": (xml_2003, "Excel 2003 XML"),
    "garbage.xlsx": (garbage(11), "unrecognised file"),
    "garbage.xls": (garbage(12), "unrecognised file"),
    "garbage.csv": (garbage(13), "unrecognised file"),
    "garbage.txt": (garbage(14), "unrecognised file"),
    "empty.xlsx": (empty, "empty"),
    "empty.csv": (empty, "empty"),
}
