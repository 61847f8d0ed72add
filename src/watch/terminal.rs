//! The terminal while `netpry watch` draws on it: keys read one at a time without echo, the
//! alternate screen with the cursor hidden, and everything put back when the guard is
//! dropped (on `q`, Ctrl-C, an error, or a panic unwinding).

// termios and poll have no safe wrapper among the dependencies; each call below passes valid
// pointers to plain structs and checks the result.
#![allow(unsafe_code)]

use std::io::{self, Write};
use std::time::Duration;

/// Raw mode on standard input and the alternate screen on standard output, until dropped.
pub struct RawTerminal {
    saved: libc::termios,
}

impl RawTerminal {
    /// Switches the terminal on standard input to reading keys one at a time, without echo
    /// and without turning Ctrl-C into a signal (it arrives as a key and ends the watch
    /// cleanly), and standard output to the alternate screen.
    pub fn enter() -> io::Result<RawTerminal> {
        // SAFETY: a zeroed termios is a valid out-buffer for tcgetattr.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: fd 0 and a valid pointer.
        if unsafe { libc::tcgetattr(0, &mut saved) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut raw = saved;
        raw.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG | libc::IEXTEN);
        raw.c_cc[libc::VMIN] = 0;
        raw.c_cc[libc::VTIME] = 0;
        // SAFETY: fd 0 and a valid pointer to an initialised termios.
        if unsafe { libc::tcsetattr(0, libc::TCSANOW, &raw) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let guard = RawTerminal { saved };
        let mut out = io::stdout();
        out.write_all(b"\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J")?;
        out.flush()?;
        Ok(guard)
    }

    /// The next key pressed within `timeout`, if any.
    pub fn key(&self, timeout: Duration) -> Option<u8> {
        let mut fds = libc::pollfd {
            fd: 0,
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut fds, 1, ms) };
        if n <= 0 {
            return None;
        }
        let mut b = [0u8; 1];
        // SAFETY: reading at most one byte into a one-byte buffer.
        let got = unsafe { libc::read(0, b.as_mut_ptr().cast(), 1) };
        (got == 1).then_some(b[0])
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        let mut out = io::stdout();
        let _ = out.write_all(b"\x1b[0m\x1b[?25h\x1b[?1049l");
        let _ = out.flush();
        // SAFETY: fd 0 and the termios read at entry.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, &self.saved);
        }
    }
}

/// Whether standard output is a pipe or socket whose reader has gone (poll reports an error
/// or hang-up on it), so a watch with nothing new to write still ends when its reader does.
pub fn stdout_closed() -> bool {
    let mut fds = libc::pollfd {
        fd: 1,
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid pollfd, no waiting.
    let n = unsafe { libc::poll(&mut fds, 1, 0) };
    n > 0 && fds.revents & (libc::POLLERR | libc::POLLHUP) != 0
}
