"""File and directory management and listings, as real clients see them:
rename and delete (with an account; anonymous --write may not), MKD RMD CWD
CDUP PWD, listings parsed by curl, lftp, wget and ftplib (LIST, NLST, MLSD),
and names with spaces and UTF-8, over IPv4 and IPv6."""

import calendar
import ftplib
import io
import os
import pathlib
import shutil
import subprocess
import tempfile
import urllib.parse

import pytest

TIMEOUT = 60
UTF8_NAMES = ["façade café.txt", "日本語 file.bin"]
MTIME = calendar.timegm((2021, 3, 4, 5, 6, 7))  # 20210304050607 UTC


def run(cmd, timeout=TIMEOUT, **kw):
    return subprocess.run(cmd, capture_output=True, timeout=timeout, **kw)


def put_file(path, data, mtime=None):
    path = pathlib.Path(path)
    path.write_bytes(data)
    path.chmod(0o644)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def connect(server, v6=False, user=None, password=None):
    ftp = ftplib.FTP(timeout=TIMEOUT, encoding="utf-8")
    ftp.connect("::1" if v6 else server.host, server.port6 if v6 else server.port)
    ftp.login(user or "anonymous", password or "")
    return ftp


def perm_error(fn, *args):
    with pytest.raises(ftplib.error_perm) as e:
        fn(*args)
    return str(e.value)


@pytest.fixture
def listing_tree(tree):
    put_file(tree / "plain.txt", b"plain\n", MTIME)
    for i, name in enumerate(UTF8_NAMES):
        put_file(tree / name, name.encode() * (i + 1), MTIME)
    (tree / "dir one").mkdir()
    (tree / "dir one").chmod(0o755)
    put_file(tree / "dir one" / "inner.dat", b"\x00\x01\x02" * 1000, MTIME)
    (tree / "dir one" / "deeper").mkdir()
    (tree / "dir one" / "deeper").chmod(0o755)
    put_file(tree / "dir one" / "deeper" / "leaf.txt", b"leaf\n")
    os.utime(tree / "dir one", (MTIME, MTIME))
    return tree


@pytest.fixture
def account(writable_tree, serve):
    """A server with one account, alice, who may do everything in writable_tree."""
    from conftest import PORTICO
    hashed = subprocess.run([PORTICO, "passwd"], input="s3cret pass\n", capture_output=True,
                            text=True, timeout=30)
    assert hashed.returncode == 0, hashed.stderr
    password_hash = hashed.stdout.strip().splitlines()[-1]
    assert password_hash.startswith("$"), hashed.stdout
    users = pathlib.Path(tempfile.mkdtemp(prefix="portico-users-")) / "users.toml"
    users.write_text(
        "[users.alice]\n"
        f'password = "{password_hash}"\n'
        f'home = "{writable_tree}"\n'
        'permissions = ["list", "read", "write", "append", "delete", "mkdir", "rename", '
        '"chmod"]\n')
    users.chmod(0o644)
    server = serve(None, "--users", users)
    yield server, writable_tree
    shutil.rmtree(users.parent, ignore_errors=True)


# ------------------------------------------------- rename, delete, directories

@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_account_renames_and_deletes_files(account, v6):
    server, root = account
    ftp = connect(server, v6, "alice", "s3cret pass")
    ftp.storbinary("STOR first.bin", io.BytesIO(b"payload" * 1000))
    assert ftp.rename("first.bin", "second name.bin").startswith("250")
    assert not (root / "first.bin").exists()
    assert (root / "second name.bin").read_bytes() == b"payload" * 1000
    # Into a directory, and with a UTF-8 name.
    ftp.mkd("sub")
    assert ftp.rename("second name.bin", "sub/" + UTF8_NAMES[0]).startswith("250")
    assert (root / "sub" / UTF8_NAMES[0]).read_bytes() == b"payload" * 1000
    # RNTO without RNFR, and RNFR of a missing file.
    assert perm_error(ftp.sendcmd, "RNTO whatever").startswith("503")
    assert perm_error(ftp.sendcmd, "RNFR missing.bin").startswith("550")
    # DELE removes the file; a second DELE, or DELE of a directory, fails.
    assert ftp.delete("sub/" + UTF8_NAMES[0]).startswith("250")
    assert not (root / "sub" / UTF8_NAMES[0]).exists()
    assert perm_error(ftp.delete, "sub/" + UTF8_NAMES[0]).startswith("550")
    assert perm_error(ftp.delete, "sub").startswith("550")
    assert (root / "sub").is_dir()
    ftp.quit()


def test_wrong_password_is_refused(account):
    server, _ = account
    ftp = ftplib.FTP(timeout=TIMEOUT)
    ftp.connect(server.host, server.port)
    with pytest.raises(ftplib.error_perm) as e:
        ftp.login("alice", "wrong")
    assert str(e.value).startswith("530")
    ftp.close()


def test_anonymous_write_may_upload_but_not_delete_or_rename(writable_tree, serve):
    put_file(writable_tree / "keep.txt", b"keep\n")
    server = serve(writable_tree, "--write")
    ftp = connect(server)
    assert ftp.storbinary("STOR new.txt", io.BytesIO(b"new\n")).startswith("226")
    assert ftp.mkd("newdir").endswith("/newdir")
    assert perm_error(ftp.delete, "keep.txt").startswith("550")
    assert perm_error(ftp.delete, "new.txt").startswith("550")
    assert perm_error(ftp.sendcmd, "RNFR keep.txt").startswith("550")
    assert perm_error(ftp.rmd, "newdir").startswith("550")
    assert (writable_tree / "keep.txt").read_bytes() == b"keep\n"
    assert (writable_tree / "new.txt").read_bytes() == b"new\n"
    assert (writable_tree / "newdir").is_dir()
    ftp.quit()


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_directories_mkd_cwd_cdup_pwd_rmd(account, v6):
    server, root = account
    ftp = connect(server, v6, "alice", "s3cret pass")
    assert ftp.pwd() == "/"
    assert ftp.mkd("a dir") == "/a dir"
    assert (root / "a dir").is_dir()
    assert perm_error(ftp.mkd, "a dir").startswith("550")  # exists already
    ftp.cwd("a dir")
    assert ftp.pwd() == "/a dir"
    assert ftp.mkd(UTF8_NAMES[1] + " d") == f"/a dir/{UTF8_NAMES[1]} d"
    ftp.cwd(UTF8_NAMES[1] + " d")
    assert ftp.pwd() == f"/a dir/{UTF8_NAMES[1]} d"
    ftp.storbinary("STOR f.txt", io.BytesIO(b"f"))
    assert (root / "a dir" / (UTF8_NAMES[1] + " d") / "f.txt").read_bytes() == b"f"
    ftp.sendcmd("CDUP")  # raises unless 2xx
    assert ftp.pwd() == "/a dir"
    # Not empty: RMD fails and the directory stays.
    assert perm_error(ftp.rmd, UTF8_NAMES[1] + " d").startswith("550")
    ftp.delete(f"{UTF8_NAMES[1]} d/f.txt")
    ftp.rmd(UTF8_NAMES[1] + " d")
    assert not (root / "a dir" / (UTF8_NAMES[1] + " d")).exists()
    # CWD to a missing directory or a file fails and keeps the directory.
    assert perm_error(ftp.cwd, "missing").startswith("550")
    ftp.storbinary("STOR file.txt", io.BytesIO(b"x"))
    assert perm_error(ftp.cwd, "file.txt").startswith("550")
    assert ftp.pwd() == "/a dir"
    # The home is the root: going up past it stays at "/".
    ftp.cwd("..")
    ftp.sendcmd("CDUP")
    assert ftp.pwd() == "/"
    ftp.cwd("/../../..")
    assert ftp.pwd() == "/"
    assert "a dir" in ftp.nlst()
    assert perm_error(ftp.rmd, "/").startswith("550")
    ftp.quit()


def test_cdup_reply_code(account):
    server, _ = account
    ftp = connect(server, False, "alice", "s3cret pass")
    ftp.mkd("x")
    ftp.cwd("x")
    resp = ftp.sendcmd("CDUP")
    assert resp[:3] in ("200", "250"), resp
    assert ftp.pwd() == "/"
    ftp.quit()


def test_lftp_mirror_uploads_and_downloads_a_tree(account, listing_tree):
    server, root = account
    url = f"ftp://127.0.0.1:{server.port}"
    r = run(["lftp", "-u", "alice,s3cret pass", "-e",
             f"set net:max-retries 1; set cmd:fail-exit yes; mirror -R '{listing_tree}' up; bye",
             url])
    assert r.returncode == 0, r.stderr
    for src in listing_tree.rglob("*"):
        dst = root / "up" / src.relative_to(listing_tree)
        if src.is_dir():
            assert dst.is_dir(), dst
        else:
            assert dst.read_bytes() == src.read_bytes(), dst
    back = pathlib.Path(tempfile.mkdtemp(prefix="portico-mirror-"))
    try:
        r = run(["lftp", "-u", "alice,s3cret pass", "-e",
                 f"set net:max-retries 1; set cmd:fail-exit yes; set ftp:passive-mode off; "
                 f"mirror up '{back}/down'; bye", f"ftp://[::1]:{server.port6}"])
        assert r.returncode == 0, r.stderr
        got = sorted(str(p.relative_to(back / "down")) for p in (back / "down").rglob("*"))
        want = sorted(str(p.relative_to(listing_tree)) for p in listing_tree.rglob("*"))
        assert got == want
        for src in listing_tree.rglob("*"):
            if src.is_file():
                assert (back / "down" / src.relative_to(listing_tree)).read_bytes() == \
                    src.read_bytes()
    finally:
        shutil.rmtree(back, ignore_errors=True)


# ------------------------------------------------------------- listings

def top_names():
    return sorted(["plain.txt", "dir one", *UTF8_NAMES])


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_curl_nlst_and_list(listing_tree, serve, v6):
    server = serve(listing_tree)
    r = run(["curl", "-sS", "-l", server.url(v6=v6)])
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.decode("utf-8").splitlines()) == top_names()
    r = run(["curl", "-sS", server.url(v6=v6)])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode("utf-8").splitlines()
    by_name = {}
    for line in lines:
        fields = line.split(None, 8)
        assert len(fields) == 9, line
        by_name[fields[8]] = fields
    assert sorted(by_name) == top_names()
    assert by_name["dir one"][0].startswith("d")
    assert by_name["plain.txt"][0].startswith("-")
    assert by_name["plain.txt"][4] == "6"
    assert by_name[UTF8_NAMES[1]][4] == str(2 * len(UTF8_NAMES[1].encode()))
    # A subdirectory with a space, URL-encoded.
    r = run(["curl", "-sS", "-l", server.url("dir%20one/", v6=v6)])
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.decode().splitlines()) == ["deeper", "inner.dat"]


@pytest.mark.parametrize("name", UTF8_NAMES)
def test_clients_fetch_utf8_names_with_spaces(listing_tree, serve, name, tmp_path):
    server = serve(listing_tree)
    want = (listing_tree / name).read_bytes()
    quoted = urllib.parse.quote(name)
    r = run(["curl", "-sS", server.url(quoted)])
    assert r.returncode == 0, r.stderr
    assert r.stdout == want
    r = run(["wget", "-q", "-t", "1", "-O", str(tmp_path / "w"), server.url(quoted, v6=True)])
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "w").read_bytes() == want
    r = run(["lftp", "-e", f"set net:max-retries 1; set cmd:fail-exit yes; "
             f"get '{name}' -o '{tmp_path}/l'; bye", server.url()])
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "l").read_bytes() == want
    ftp = connect(server)
    chunks = []
    ftp.retrbinary(f"RETR {name}", chunks.append)
    assert b"".join(chunks) == want
    assert ftp.size(name) == len(want)
    ftp.quit()


def test_clients_upload_utf8_names_with_spaces(writable_tree, serve, tmp_path):
    server = serve(writable_tree, "--write")
    src = tmp_path / "src.bin"
    src.write_bytes(b"utf-8 upload\n")
    r = run(["curl", "-sS", "-T", str(src), server.url(urllib.parse.quote(UTF8_NAMES[0]))])
    assert r.returncode == 0, r.stderr
    assert (writable_tree / UTF8_NAMES[0]).read_bytes() == b"utf-8 upload\n"
    r = run(["lftp", "-e", f"set net:max-retries 1; set cmd:fail-exit yes; "
             f"put '{src}' -o '{UTF8_NAMES[1]}'; bye", server.url(v6=True)])
    assert r.returncode == 0, r.stderr
    assert (writable_tree / UTF8_NAMES[1]).read_bytes() == b"utf-8 upload\n"
    ftp = connect(server)
    assert sorted(ftp.nlst()) == sorted(UTF8_NAMES)
    ftp.quit()


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_lftp_cls_and_ls(listing_tree, serve, v6):
    server = serve(listing_tree)
    r = run(["lftp", "-e", "set net:max-retries 1; set cmd:fail-exit yes; cls -1; bye",
             server.url(v6=v6)])
    assert r.returncode == 0, r.stderr
    # cls -1 prints what lftp parsed; directories get a trailing slash.
    names = sorted(r.stdout.decode("utf-8").splitlines())
    assert names == sorted(["plain.txt", "dir one/", *UTF8_NAMES])
    r = run(["lftp", "-e", "set net:max-retries 1; set cmd:fail-exit yes; "
             "cls -l --sort=name; bye", server.url(v6=v6)])
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode("utf-8")
    plain = [line for line in out.splitlines() if line.endswith("plain.txt")]
    assert len(plain) == 1 and " 6 " in plain[0], out
    assert "2021" in plain[0], out  # the mtime lftp parsed (an old file shows its year)
    r = run(["lftp", "-e", "set net:max-retries 1; set cmd:fail-exit yes; ls 'dir one'; bye",
             server.url(v6=v6)])
    assert r.returncode == 0, r.stderr
    listed = [line.split(None, 8)[-1] for line in r.stdout.decode().splitlines()]
    assert sorted(listed) == ["deeper", "inner.dat"]


@pytest.mark.parametrize("v6", [False, True], ids=["v4", "v6"])
def test_ftplib_mlsd_facts_and_nlst(listing_tree, serve, v6):
    server = serve(listing_tree)
    ftp = connect(server, v6)
    entries = dict(ftp.mlsd(facts=["type", "size", "modify"]))
    names = sorted(n for n in entries if entries[n]["type"] not in ("cdir", "pdir"))
    assert names == top_names()
    assert entries["dir one"]["type"] == "dir"
    for name in ["plain.txt", *UTF8_NAMES]:
        facts = entries[name]
        assert facts["type"] == "file"
        assert int(facts["size"]) == (listing_tree / name).stat().st_size
        assert facts["modify"][:14] == "20210304050607", facts
    assert entries["dir one"]["modify"][:14] == "20210304050607"
    sub = dict(ftp.mlsd("dir one"))
    assert sub["inner.dat"]["type"] == "file" and sub["inner.dat"]["size"] == "3000"
    assert sub["deeper"]["type"] == "dir"
    assert sorted(ftp.nlst()) == top_names()
    assert ftp.sendcmd("MDTM plain.txt") == "213 20210304050607"
    assert ftp.size(UTF8_NAMES[0]) == len(UTF8_NAMES[0].encode())
    # MLSD of a file is an error (RFC 3659: use MLST); a missing path is 550.
    assert perm_error(lambda: list(ftp.mlsd("plain.txt")))[:1] == "5"
    assert perm_error(lambda: list(ftp.mlsd("missing"))).startswith("550")
    mlst = ftp.sendcmd(f"MLST {UTF8_NAMES[1]}")
    assert mlst.startswith("250")
    assert f"/{UTF8_NAMES[1]}" in mlst and "type=file" in mlst.lower()
    ftp.quit()


def test_ftplib_list_of_a_file_and_of_missing_path(listing_tree, serve):
    server = serve(listing_tree)
    ftp = connect(server)
    lines = []
    ftp.retrlines(f"LIST {UTF8_NAMES[0]}", lines.append)
    assert len(lines) == 1 and lines[0].endswith(UTF8_NAMES[0])
    lines = []
    ftp.retrlines("LIST -la", lines.append)
    assert sorted(line.split(None, 8)[8] for line in lines
                  if line.split(None, 8)[8] not in (".", "..")) == top_names()
    assert perm_error(ftp.retrlines, "LIST missing", print).startswith("550")
    # STAT with a path lists on the control connection.
    stat = ftp.sendcmd("STAT dir one")
    assert stat.startswith("213") and "inner.dat" in stat and "deeper" in stat
    ftp.quit()


def test_wget_directory_listing(listing_tree, serve, tmp_path):
    server = serve(listing_tree)
    r = run(["wget", "-t", "1", "--no-remove-listing", "-O", str(tmp_path / "index.html"),
             server.url()], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "index.html").read_text("utf-8", errors="replace")
    for name in ["plain.txt", "dir one", *UTF8_NAMES]:
        assert urllib.parse.quote(name) in html or name in html, name
