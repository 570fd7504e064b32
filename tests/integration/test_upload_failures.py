"""Uploads that cannot complete: a 226 must mean that every byte is stored.

Plain binary uploads move socket -> pipe -> file with splice(2), TYPE A and
APPE through user-space buffers; both paths are driven here to the failures
that users meet: a full disk, and a client that vanishes mid-transfer.
"""
import ftplib
import io
import os
import socket
import struct
import subprocess

import pytest

MiB = 1 << 20


def login(server):
    ftp = ftplib.FTP(timeout=20)
    ftp.connect(server.host, server.port)
    ftp.login()
    ftp.voidcmd("TYPE I")
    return ftp


@pytest.fixture
def small_disk(writable_tree):
    """A 1 MiB tmpfs inside the served tree (needs root, as CI runs)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = writable_tree / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0777", "tmpfs", str(mount)],
                   check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.parametrize("command, ascii", [("STOR", False), ("APPE", False), ("STOR", True)],
                         ids=["splice", "append-buffered", "ascii-buffered"])
def test_an_upload_to_a_full_disk_is_refused_and_the_session_goes_on(
        small_disk, writable_tree, serve, command, ascii):
    server = serve(writable_tree, "--write")
    ftp = login(server)
    if ascii:
        ftp.voidcmd("TYPE A")
    data = b"line of text\n" * (3 * MiB // 13)
    conn = ftp.transfercmd(f"{command} small/too-big.bin")
    try:
        conn.sendall(data)
    except OSError:
        pass  # the server closes the data connection as soon as a write fails
    conn.close()
    reply = ftp.getmultiline()
    # 452 (insufficient storage) from the file side, never a 226.
    assert reply.startswith("452"), reply
    assert "No space left" in reply, reply
    # The session goes on, and a file that fits is stored whole.
    (small_disk / "too-big.bin").unlink(missing_ok=True)
    ftp.voidcmd("TYPE I")
    assert ftp.storbinary("STOR small/fits.bin", io.BytesIO(b"x" * 1000)).startswith("226")
    assert (small_disk / "fits.bin").read_bytes() == b"x" * 1000
    ftp.quit()


@pytest.mark.parametrize("ascii", [False, True], ids=["splice", "ascii-buffered"])
def test_a_client_that_resets_mid_upload_gets_426_not_226(writable_tree, serve, ascii):
    server = serve(writable_tree, "--write")
    ftp = login(server)
    if ascii:
        ftp.voidcmd("TYPE A")
    conn = ftp.transfercmd("STOR reset.bin")
    conn.sendall(b"y" * MiB)
    # SO_LINGER 0: close sends a RST, which must never pass for the end of
    # the file.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
    reply = ftp.getmultiline()
    assert reply.startswith("426"), reply
    assert "lost" in reply, reply
    assert ftp.voidcmd("NOOP").startswith("200")
    ftp.quit()
