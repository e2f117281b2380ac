"""Opening an uploaded .xlsx safely, with the reasons users need when it fails.
Shared by every import (organisation, power catalogue, risk registers)."""

import io
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and encrypted workbooks


class WorkbookError(ValueError):
    """The file cannot be read as a workbook; the message says why, in Chinese."""

    def __init__(self, message: str, filename: str = ""):
        super().__init__(message)
        self.filename = filename


def read_upload(fileobj, max_bytes: int) -> tuple[bytes, str]:
    """At most max_bytes + 1 bytes (so "too large" can be told) and the file's name,
    from bytes, a path or a file object (an upload)."""
    if isinstance(fileobj, bytes | bytearray | memoryview):
        return bytes(fileobj), ""
    if isinstance(fileobj, str | Path):
        path = Path(fileobj)
        with path.open("rb") as fh:
            return fh.read(max_bytes + 1), path.name
    if hasattr(fileobj, "seek"):
        try:
            fileobj.seek(0)
        except (OSError, ValueError):
            pass
    data = fileobj.read(max_bytes + 1)
    return data, Path(str(getattr(fileobj, "name", "") or "")).name


def open_xlsx(fileobj, *, max_bytes: int, read_only: bool = False, hint: str = ""):
    """(workbook, file name), or WorkbookError with the reason."""
    from openpyxl import load_workbook

    try:
        data, name = read_upload(fileobj, max_bytes)
    except FileNotFoundError:
        raise WorkbookError("文件不存在") from None
    except OSError as error:
        raise WorkbookError(f"文件无法读取：{error.strerror or error}") from None
    if not data:
        raise WorkbookError("文件是空的", name)
    if len(data) > max_bytes:
        raise WorkbookError(f"文件过大：最多 {max_bytes // (1024 * 1024)} MB", name)
    if data.startswith(OLE_MAGIC):
        raise WorkbookError("这是旧版 Excel（.xls）文件或加密的工作簿，请在 Excel 或 WPS 中另存为 .xlsx 格式（不加密码）后再导入",
                            name)
    if not data.startswith(b"PK"):
        raise WorkbookError("文件不是 Excel 工作簿（.xlsx）" + (f"，{hint}" if hint else ""), name)
    try:
        return load_workbook(io.BytesIO(data), read_only=read_only, data_only=True), name
    except Exception:  # openpyxl raises many kinds of errors for broken files
        raise WorkbookError("文件已损坏或不是有效的 .xlsx 工作簿，请在 Excel 或 WPS 中重新保存为 .xlsx 后再导入", name) from None
