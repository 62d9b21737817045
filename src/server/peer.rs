//! Who is on the other end of a Unix socket, from the kernel (SO_PEERCRED):
//! a client cannot claim to be someone else; and whether it has hung up.

use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

/// The peer's process id and user id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerCred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

pub fn peer_cred(stream: &UnixStream) -> std::io::Result<PeerCred> {
    // SAFETY: ucred is plain old data; zeroed is a valid value.
    let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: the fd is a valid socket for the stream's lifetime; cred and len
    // point to properly sized, writable memory.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(PeerCred {
        pid: cred.pid,
        uid: cred.uid,
        gid: cred.gid,
    })
}

/// The login name for the peer's uid (`uid<N>` when it has none).
pub fn peer_user(stream: &UnixStream) -> std::io::Result<String> {
    let c = peer_cred(stream)?;
    Ok(crate::identity::user_name(c.uid).unwrap_or_else(|| format!("uid{}", c.uid)))
}

/// True when the peer has closed its end: a client that has exited, whose
/// connection the server has not yet read to its end. Does not wait.
pub fn hung_up(stream: &UnixStream) -> bool {
    let mut fds = libc::pollfd {
        fd: stream.as_raw_fd(),
        events: libc::POLLRDHUP,
        revents: 0,
    };
    // SAFETY: one valid pollfd for the duration of the call; timeout 0.
    let n = unsafe { libc::poll(&mut fds, 1, 0) };
    n > 0 && fds.revents & (libc::POLLRDHUP | libc::POLLHUP | libc::POLLERR) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_pair_sees_this_process() {
        let (a, _b) = UnixStream::pair().unwrap();
        let c = peer_cred(&a).unwrap();
        assert_eq!(c.pid as u32, std::process::id());
        // SAFETY: getuid cannot fail.
        assert_eq!(c.uid, unsafe { libc::getuid() });
        assert_eq!(peer_user(&a).unwrap(), crate::identity::current_user());
    }

    #[test]
    fn a_closed_peer_is_seen_as_hung_up() {
        use std::io::Write;
        let (a, mut b) = UnixStream::pair().unwrap();
        assert!(!hung_up(&a));
        b.write_all(b"unread").unwrap();
        assert!(!hung_up(&a), "data waiting is not a hang-up");
        drop(b);
        assert!(hung_up(&a));
    }
}
