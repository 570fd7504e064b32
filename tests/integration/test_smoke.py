"""The README's promise: `portico serve DIR` serves DIR to anonymous users and
real clients fetch from it."""

import ftplib
import subprocess


def test_curl_lists_and_fetches_from_a_fresh_server(tree, serve):
    (tree / "hello.txt").write_bytes(b"hello portico\n")
    (tree / "hello.txt").chmod(0o644)
    server = serve(tree)
    listing = subprocess.run(["curl", "-sS", server.url()], capture_output=True, text=True,
                             timeout=30)
    assert listing.returncode == 0, listing.stderr
    assert "hello.txt" in listing.stdout
    body = subprocess.run(["curl", "-sS", server.url("hello.txt")], capture_output=True,
                          timeout=30)
    assert body.returncode == 0
    assert body.stdout == b"hello portico\n"


def test_anonymous_is_read_only_by_default(tree, serve):
    server = serve(tree)
    ftp = ftplib.FTP()
    ftp.connect(server.host, server.port, timeout=10)
    ftp.login()
    try:
        ftp.mkd("new")
        raise AssertionError("MKD succeeded on a read-only server")
    except ftplib.error_perm as e:
        assert str(e).startswith("550")
    ftp.quit()
    assert not (tree / "new").exists()
