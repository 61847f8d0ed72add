//! The transport protocol of a socket, shared by the collectors (which fill it in), the
//! `sockets` table and the netstat front ends (which print it): one type from the kernel's
//! answer to the printed line.

/// Transport protocol of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// UDP-Lite.
    UdpLite,
    /// Raw IP.
    Raw,
    /// UNIX domain.
    Unix,
}

impl Proto {
    /// Lowercase name as shown in the `proto` column of the `sockets` table.
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::UdpLite => "udplite",
            Proto::Raw => "raw",
            Proto::Unix => "unix",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_sockets_table_spelling() {
        let all = [
            Proto::Tcp,
            Proto::Udp,
            Proto::UdpLite,
            Proto::Raw,
            Proto::Unix,
        ];
        let names: Vec<&str> = all.iter().map(|p| p.name()).collect();
        assert_eq!(names, ["tcp", "udp", "udplite", "raw", "unix"]);
    }
}
