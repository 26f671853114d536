"""Type stubs of the extension module `dedup._native` (the Rust side of the package).

Use the functions of `dedup` instead: they take and return Arrow arrays; these take buffers.
"""

from typing import Any, Dict, List, Optional, Sequence, Tuple

Options = Optional[Dict[str, Any]]
DiagnosticTuple = Tuple[str, str, str]

class DedupError(Exception):
    """A bad option or input, with the message the `dedup` command line gives."""

def scan_jsonl(paths: Sequence[str], options: Options = None) -> str: ...
def discover(paths: Sequence[str], options: Options = None) -> Tuple[List[str], List[DiagnosticTuple]]: ...
def read_file(path: str, options: Options = None) -> Tuple[List[str], List[bytes], List[DiagnosticTuple]]: ...
def sketch_arrow(
    offsets: Any, data: Any, offset_width: int, first: int, len: int, options: Options = None
) -> Tuple[bytes, bytes, bytes, bytes]: ...
def verify_arrow(
    a_offsets: Any,
    a_data: Any,
    a_width: int,
    a_first: int,
    b_offsets: Any,
    b_data: Any,
    b_width: int,
    b_first: int,
    len: int,
    options: Options = None,
) -> List[bytes]: ...
def bucket_pairs(members: Sequence[int]) -> List[Tuple[int, int]]: ...
def pair_json(a: str, b: str, kind: str, values: Sequence[float] = ...) -> str: ...
def lsh_layout(options: Options = None) -> Tuple[int, int]: ...
