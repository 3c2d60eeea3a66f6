"""kuaixun.tools.static_server: the one way the project serves a folder over HTTP, byte
ranges of a file included (the search reads its packs by byte range, several at a time)."""

from __future__ import annotations

import email.parser
import email.policy
import urllib.error
import urllib.request

import pytest

from kuaixun.tools.static_server import (
    MULTIPART_FLOOR,
    byte_range,
    byte_ranges,
    development_server,
    folder_server,
    serve_in_background,
)

PACK = bytes(range(256)) * 4  # 1,024 bytes, each position distinguishable from its neighbours
SIZE = len(PACK)


def test_a_folder_is_served_on_a_free_port_with_the_extra_headers(tmp_path):
    (tmp_path / "index.html").write_text("<p>社区快讯</p>", encoding="utf-8")
    server = folder_server(tmp_path, headers={"Content-Security-Policy": "default-src 'self'"})
    try:
        base = serve_in_background(server)
        assert server.server_port != 0
        with urllib.request.urlopen(f"{base}/") as response:
            assert response.read().decode("utf-8") == "<p>社区快讯</p>"
            assert response.headers["Content-Security-Policy"] == "default-src 'self'"
    finally:
        server.shutdown()
        server.server_close()


def test_requests_are_not_logged_unless_asked(tmp_path, capsys):
    server = folder_server(tmp_path)
    try:
        base = serve_in_background(server)
        urllib.request.urlopen(f"{base}/").close()
    finally:
        server.shutdown()
        server.server_close()
    assert capsys.readouterr().err == ""


@pytest.fixture
def site(tmp_path, serve) -> str:
    """A folder with one pack and one page, served; the base URL."""
    (tmp_path / "pack.bin").write_bytes(PACK)
    (tmp_path / "index.html").write_text("<p>社区快讯</p>", encoding="utf-8")
    return serve(tmp_path)


def fetch(url: str, method: str = "GET", **headers: str):
    """(status, headers, body) of a request; error statuses are answers too."""
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=100-199", 100, 199),
        ("bytes=1000-1023", 1000, 1023),  # up to the last byte
        ("bytes=1023-1023", 1023, 1023),  # the last byte alone
        ("bytes=1000-5000", 1000, 1023),  # past the end: up to the end
        ("bytes=512-", 512, 1023),
        ("bytes=-10", 1014, 1023),  # the last ten bytes
        ("bytes=-5000", 0, 1023),  # more than there is: all of it, still partial
    ],
)
def test_a_single_range_is_answered_with_exactly_its_bytes(site, header, first, last):
    status, headers, body = fetch(f"{site}/pack.bin", Range=header)
    assert status == 206
    assert body == PACK[first : last + 1]
    assert headers["Content-Range"] == f"bytes {first}-{last}/{SIZE}"
    assert headers["Content-Length"] == str(last - first + 1)
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize("header", ["bytes=1024-", "bytes=5000-6000", "bytes=-0"])
def test_a_range_the_file_does_not_have_is_416_with_the_size(site, header):
    status, headers, body = fetch(f"{site}/pack.bin", Range=header)
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{SIZE}"
    assert body == b""


@pytest.mark.parametrize(
    "header", ["bytes=9-3", "bytes=-", "bytes=a-b", "items=0-5", "", "bytes=0-1,x"]
)
def test_a_malformed_header_gets_the_whole_file(site, header):
    status, headers, body = fetch(f"{site}/pack.bin", Range=header)
    assert (status, body) == (200, PACK)
    assert headers["Accept-Ranges"] == "bytes"


def byteranges(headers, body: bytes) -> list[tuple[str, str, bytes]]:
    """The parts of a multipart/byteranges body: (Content-Type, Content-Range, bytes)."""
    head = f"Content-Type: {headers['Content-Type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    assert message.get_content_type() == "multipart/byteranges"
    return [
        (part["Content-Type"], part["Content-Range"], part.get_payload(decode=True))
        for part in message.iter_parts()
    ]


@pytest.mark.parametrize(
    ("header", "spans"),
    [
        ("bytes=0-1,5-6", [(0, 1), (5, 6)]),
        ("bytes=0-1, 5-6", [(0, 1), (5, 6)]),
        ("bytes=900-999,100-199,-4", [(900, 999), (100, 199), (1020, 1023)]),  # as asked
        ("bytes=10-19,2000-3000,1000-", [(10, 19), (1000, 1023)]),  # one the file lacks
    ],
)
def test_several_ranges_are_answered_as_multipart_parts_in_the_order_asked(site, header, spans):
    status, headers, body = fetch(f"{site}/pack.bin", Range=header)
    assert status == 206
    assert headers["Content-Length"] == str(len(body))
    expected = [
        ("application/octet-stream", f"bytes {a}-{b}/{SIZE}", PACK[a : b + 1]) for a, b in spans
    ]
    assert byteranges(headers, body) == expected


def test_several_ranges_of_which_the_file_has_one_get_that_range_alone(site):
    status, headers, body = fetch(f"{site}/pack.bin", Range="bytes=5000-6000,10-19")
    assert (status, body) == (206, PACK[10:20])
    assert headers["Content-Range"] == f"bytes 10-19/{SIZE}"


def test_several_ranges_the_file_has_none_of_are_416(site):
    status, headers, _ = fetch(f"{site}/pack.bin", Range="bytes=5000-6000,2000-")
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{SIZE}"


def test_if_range_with_the_files_date_gets_the_range(site):
    _, headers, _ = fetch(f"{site}/pack.bin")
    status, _, body = fetch(
        f"{site}/pack.bin", Range="bytes=0-9", **{"If-Range": headers["Last-Modified"]}
    )
    assert (status, body) == (206, PACK[:10])


@pytest.mark.parametrize("validator", ["Thu, 01 Jan 2015 00:00:00 GMT", '"pack-v1"'])
def test_if_range_naming_another_version_gets_the_whole_file(site, validator):
    status, _, body = fetch(f"{site}/pack.bin", Range="bytes=0-9", **{"If-Range": validator})
    assert (status, body) == (200, PACK)


def test_head_of_a_range_has_its_headers_and_no_body(site):
    status, headers, body = fetch(f"{site}/pack.bin", "HEAD", Range="bytes=-10")
    assert (status, body) == (206, b"")
    assert headers["Content-Range"] == f"bytes 1014-1023/{SIZE}"
    assert headers["Content-Length"] == "10"


def test_every_file_response_says_it_accepts_ranges(site):
    for path, method in [("/pack.bin", "GET"), ("/pack.bin", "HEAD"), ("/", "GET")]:
        status, headers, _ = fetch(f"{site}{path}", method)
        assert (status, headers["Accept-Ranges"]) == (200, "bytes"), (path, method)
    status, headers, _ = fetch(f"{site}/missing.bin")
    assert (status, headers["Accept-Ranges"]) == (404, None)


def test_a_folders_index_page_is_served_by_range_too(site):
    page = "<p>社区快讯</p>".encode()
    status, _, body = fetch(f"{site}/", Range="bytes=3-8")
    assert (status, body) == (206, page[3:9])


def test_range_arithmetic_of_an_empty_file_leaves_nothing_to_send():
    assert byte_range("bytes=0-", 0) == range(0)
    assert byte_range("bytes=-5", 0) == range(0)
    assert byte_range(None, 0) is None


def test_invoke_serve_finds_a_page_without_html_and_answers_ranges(tmp_path):
    (tmp_path / "about.html").write_text("<p>关于</p>", encoding="utf-8")
    (tmp_path / "pack.bin").write_bytes(PACK)
    server = development_server(tmp_path)
    try:
        base = serve_in_background(server)
        assert fetch(f"{base}/about")[2].decode("utf-8") == "<p>关于</p>"
        status, headers, body = fetch(f"{base}/pack.bin", Range="bytes=-3")
    finally:
        server.shutdown()
        server.server_close()
    assert (status, body) == (206, PACK[-3:])
    assert headers["Content-Range"] == f"bytes {SIZE - 3}-{SIZE - 1}/{SIZE}"


def test_invoke_serve_answers_a_missing_page_with_the_sites_404_page(tmp_path):
    """Pelican's handler answered nothing at all (the browser: "empty response")."""
    (tmp_path / "404.html").write_text("<p>找不到这个页面</p>", encoding="utf-8")
    server = development_server(tmp_path)
    try:
        base = serve_in_background(server)
        got = fetch(f"{base}/2020/11/no-such-article/")
        head = fetch(f"{base}/nope", method="HEAD")
        (tmp_path / "404.html").unlink()
        plain = fetch(f"{base}/nope")
    finally:
        server.shutdown()
        server.server_close()
    assert (got[0], got[2].decode("utf-8")) == (404, "<p>找不到这个页面</p>")
    assert got[1]["Content-Type"] == "text/html; charset=utf-8"
    assert (head[0], head[2], head[1]["Content-Length"]) == (404, b"", str(len(got[2])))
    assert plain[0] == 404 and plain[2]


@pytest.mark.parametrize("make", [folder_server, development_server])
def test_a_request_naming_another_host_is_refused(tmp_path, make):
    """DNS rebinding: a page elsewhere points a name of its own at 127.0.0.1 and reads the
    local server through the browser; the request then names that host."""
    (tmp_path / "index.html").write_text("<p>草稿</p>", encoding="utf-8")
    server = make(tmp_path)
    try:
        base = serve_in_background(server)
        port = server.server_port
        answers = {
            host: fetch(f"{base}/", Host=host)
            for host in (f"evil.example:{port}", f"localhost:{port}", f"[::1]:{port}", "127.0.0.1")
        }
    finally:
        server.shutdown()
        server.server_close()
    assert answers[f"evil.example:{port}"][0] == 403
    assert b"\xe8\x8d\x89\xe7\xa8\xbf" not in answers[f"evil.example:{port}"][2]  # 草稿
    assert all(answer[0] == 200 for host, answer in answers.items() if "evil" not in host)


def sub_path_server(folder):
    from kuaixun.tools.deploy import subpath_server

    return subpath_server(folder, "/", quiet=True)


@pytest.mark.parametrize("make", [folder_server, development_server, sub_path_server])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_nul_in_the_path_is_a_404_not_an_empty_answer(tmp_path, make, method, capsys):
    """`%00` made open() raise: no answer at all (the browser: "empty response") and a
    traceback in the terminal, under every server here (`make serve`'s for HEAD)."""
    (tmp_path / "index.html").write_text("<p>社区快讯</p>", encoding="utf-8")
    server = make(tmp_path)
    try:
        base = serve_in_background(server)
        answers = [fetch(f"{base}{path}", method) for path in ("/index.html%00.txt", "/%00/")]
        index = fetch(f"{base}/index.html", method)
    finally:
        server.shutdown()
        server.server_close()
    assert [status for status, _, _ in answers] == [404, 404]
    assert index[0] == 200
    assert "Traceback" not in capsys.readouterr().err


def test_the_sub_path_preview_answers_ranges_under_its_sub_path(tmp_path):
    from kuaixun.tools.deploy import subpath_server

    (tmp_path / "pack.bin").write_bytes(PACK)
    server = subpath_server(tmp_path, "/bulletin/", quiet=True)
    try:
        base = serve_in_background(server)
        inside = fetch(f"{base}/bulletin/pack.bin", Range="bytes=10-19")
        outside = fetch(f"{base}/pack.bin", Range="bytes=10-19")
    finally:
        server.shutdown()
        server.server_close()
    assert (inside[0], inside[2]) == (206, PACK[10:20])
    assert outside[0] == 404


def test_a_header_of_too_many_ranges_gets_the_whole_file_once(site):
    """`bytes=0-,0-,…` would make the server send the file once a range (CVE-2011-3192)."""
    status, _, body = fetch(f"{site}/pack.bin", Range="bytes=" + ",".join(["0-"] * 101))
    assert (status, body) == (200, PACK)
    status, headers, body = fetch(f"{site}/pack.bin", Range="bytes=" + ",".join(["0-0"] * 100))
    assert status == 206
    assert len(byteranges(headers, body)) == 100


def test_ranges_asking_much_more_than_the_file_holds_get_the_whole_file():
    size = 4 * MULTIPART_FLOOR
    assert byte_ranges("bytes=0-,0-", size) == [range(0, size), range(0, size)]
    assert byte_ranges("bytes=0-,0-,0-", size) is None  # three times the file: all of it, once
    assert byte_ranges("bytes=0-,0-,0-", 1000) == [range(0, 1000)] * 3  # small: under the floor
