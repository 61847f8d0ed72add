//! The hardware line of `netstat -ie` (net-tools `ifconfig`'s long format): the name net-tools
//! gives each link type, its address text and its title in parentheses
//! (`        ether 52:54:00:12:34:56  txqueuelen 1000  (Ethernet)`), and which types also
//! print compressed-packet counters (VJ-compressed SLIP).
//!
//! Found by running net-tools 2.10 on tun/tap devices given each ARPHRD_* type with the
//! TUNSETLINK ioctl. Types net-tools does not know print `unspec` with 16 dash-separated
//! bytes and the title `UNSPEC`. Left to that default are the types net-tools prints with bytes
//! that are not the device's (they change from run to run): `ash`, `ieee802`, `ltalk`, `gre`.

/// How a link type's address is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Addr {
    /// No address at all: `slip  txqueuelen`.
    None,
    /// An address that is always empty here: `x25   txqueuelen` (the name, a space, nothing).
    Empty,
    /// `n` bytes of hexadecimal joined by `sep`, upper case when `upper`.
    Hex {
        n: usize,
        sep: &'static str,
        upper: bool,
    },
    /// The first two bytes as a host-order number (a frame relay DLCI).
    Dlci,
    /// An AX.25 call sign: six shifted characters, then `-SSID` when it is not 0.
    Ax25,
}

/// net-tools' view of one link type: name, address form, title, compressed counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hardware {
    name: &'static str,
    addr: Addr,
    title: &'static str,
    /// Prints `RX compressed:N` and `TX compressed N` (CSLIP, CSLIP6).
    pub compressed: bool,
}

const fn hw(name: &'static str, addr: Addr, title: &'static str) -> Hardware {
    Hardware {
        name,
        addr,
        title,
        compressed: false,
    }
}

const fn hex(n: usize, sep: &'static str, upper: bool) -> Addr {
    Addr::Hex { n, sep, upper }
}

/// The hardware of a link type as the `interfaces` table spells it (`ip`'s names, `[N]` for
/// types `ip` has no name for).
pub fn hardware(link_type: &str) -> Hardware {
    let mut h = match link_type {
        "netrom" | "[0]" => hw("netrom", Addr::Ax25, "AMPR NET/ROM"),
        "ether" | "[1]" => hw("ether", hex(6, ":", false), "Ethernet"),
        "ax25" | "[3]" => hw("ax25", Addr::Ax25, "AMPR AX.25"),
        "arcnet" | "[7]" => hw("arcnet", hex(1, "", true), "ARCnet"),
        "dlci" | "[15]" => hw("dlci", Addr::Dlci, "Frame Relay DLCI"),
        "eui64" | "[27]" => hw("eui64", hex(8, ":", false), "Generic EUI-64"),
        "slip" | "[256]" => hw("slip", Addr::None, "Serial Line IP"),
        "cslip" | "[257]" => hw("cslip", Addr::None, "VJ Serial Line IP"),
        "slip6" | "[258]" => hw("slip6", Addr::None, "6-bit Serial Line IP"),
        "cslip6" | "[259]" => hw("cslip6", Addr::None, "VJ 6-bit Serial Line IP"),
        "adapt" | "[264]" => hw("adaptive", Addr::None, "Adaptive Serial Line IP"),
        "rose" | "[270]" => hw("rose", hex(5, "", false), "AMPR ROSE"),
        "x25" | "[271]" => hw("x25", Addr::Empty, "generic X.25"),
        "ppp" | "[512]" => hw("ppp", Addr::None, "Point-to-Point Protocol"),
        "hdlc" | "[513]" => hw("hdlc", Addr::None, "(Cisco)-HDLC"),
        "lapb" | "[516]" => hw("lapb", Addr::None, "LAPB"),
        "ipip" | "[768]" => hw("tunnel", Addr::Empty, "IPIP Tunnel"),
        "frad" | "[770]" => hw("frad", Addr::None, "Frame Relay Access Device"),
        "loopback" | "[772]" => hw("loop", Addr::None, "Local Loopback"),
        "fddi" | "[774]" => hw(
            "fddi",
            hex(6, "-", true),
            "Fiber Distributed Data Interface",
        ),
        "sit" | "[776]" => hw("sit", Addr::None, "IPv6-in-IPv4"),
        "hippi" | "[780]" => hw("hippi", hex(6, ":", true), "HIPPI"),
        "econet" | "[782]" => hw("ec", Addr::None, "Econet"),
        "irda" | "[783]" => hw("irda", hex(4, ":", false), "IrLAP"),
        _ => hw("unspec", hex(16, "-", true), "UNSPEC"),
    };
    h.compressed = matches!(h.name, "cslip" | "cslip6");
    h
}

impl Hardware {
    /// The hardware line (without the newline) for an address given as `ip` writes it
    /// (`aa:bb:...`; missing bytes are 0) and a transmit queue length.
    pub fn line(&self, mac: Option<&str>, txqlen: u64) -> String {
        let mut bytes: Vec<u8> = mac
            .unwrap_or("")
            .split(':')
            .filter_map(|b| u8::from_str_radix(b, 16).ok())
            .collect();
        let addr = match self.addr {
            Addr::None => None,
            Addr::Empty => Some(String::new()),
            Addr::Hex { n, sep, upper } => {
                bytes.resize(n, 0);
                let parts: Vec<String> = bytes
                    .iter()
                    .map(|b| {
                        if upper {
                            format!("{b:02X}")
                        } else {
                            format!("{b:02x}")
                        }
                    })
                    .collect();
                Some(parts.join(sep))
            }
            Addr::Dlci => {
                bytes.resize(2, 0);
                Some(u16::from_ne_bytes([bytes[0], bytes[1]]).to_string())
            }
            Addr::Ax25 => Some(ax25(&bytes)),
        };
        match addr {
            Some(a) => format!(
                "        {} {a}  txqueuelen {txqlen}  ({})",
                self.name, self.title
            ),
            None => format!(
                "        {}  txqueuelen {txqlen}  ({})",
                self.name, self.title
            ),
        }
    }
}

/// An AX.25 address: six characters shifted left by one, padded with spaces, then the SSID in
/// bits 1-4 of the seventh byte.
fn ax25(bytes: &[u8]) -> String {
    let mut call = String::new();
    for &b in bytes.iter().take(6) {
        let c = b >> 1;
        if c == 0 || c == b' ' {
            break;
        }
        call.push(char::from(c));
    }
    let ssid = bytes.get(6).map_or(0, |b| (b >> 1) & 0x0f);
    if ssid != 0 {
        call.push_str(&format!("-{ssid}"));
    }
    call
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(t: &str, mac: Option<&str>) -> String {
        hardware(t).line(mac, 500)
    }

    #[test]
    fn lines_net_tools_prints_for_tun_devices_of_each_type() {
        // Captured from net-tools 2.10 (`netstat -iea`) on tun devices set to each type.
        assert_eq!(
            line("ether", Some("02:ab:cd:ef:01:9a")),
            "        ether 02:ab:cd:ef:01:9a  txqueuelen 500  (Ethernet)"
        );
        assert_eq!(
            line("netrom", None),
            "        netrom   txqueuelen 500  (AMPR NET/ROM)"
        );
        assert_eq!(
            line("ax25", None),
            "        ax25   txqueuelen 500  (AMPR AX.25)"
        );
        assert_eq!(
            line("arcnet", None),
            "        arcnet 00  txqueuelen 500  (ARCnet)"
        );
        assert_eq!(
            line("dlci", None),
            "        dlci 0  txqueuelen 500  (Frame Relay DLCI)"
        );
        assert_eq!(
            line("[27]", None),
            "        eui64 00:00:00:00:00:00:00:00  txqueuelen 500  (Generic EUI-64)"
        );
        assert_eq!(
            line("slip", None),
            "        slip  txqueuelen 500  (Serial Line IP)"
        );
        assert!(hardware("cslip").compressed && hardware("cslip6").compressed);
        assert!(!hardware("slip").compressed && !hardware("ppp").compressed);
        assert_eq!(
            line("adapt", None),
            "        adaptive  txqueuelen 500  (Adaptive Serial Line IP)"
        );
        assert_eq!(
            line("rose", Some("de:1d:b6:3e:e6")),
            "        rose de1db63ee6  txqueuelen 500  (AMPR ROSE)"
        );
        assert_eq!(
            line("x25", None),
            "        x25   txqueuelen 500  (generic X.25)"
        );
        assert_eq!(
            line("hdlc", None),
            "        hdlc  txqueuelen 500  ((Cisco)-HDLC)"
        );
        assert_eq!(
            line("ipip", None),
            "        tunnel   txqueuelen 500  (IPIP Tunnel)"
        );
        assert_eq!(
            line("fddi", Some("02:ab:cd:ef:01:9a")),
            "        fddi 02-AB-CD-EF-01-9A  txqueuelen 500  (Fiber Distributed Data Interface)"
        );
        assert_eq!(
            line("hippi", Some("02:ab:cd:ef:01:9a")),
            "        hippi 02:AB:CD:EF:01:9A  txqueuelen 500  (HIPPI)"
        );
        assert_eq!(line("econet", None), "        ec  txqueuelen 500  (Econet)");
        assert_eq!(
            line("irda", None),
            "        irda 00:00:00:00  txqueuelen 500  (IrLAP)"
        );
        assert_eq!(
            line("none", Some("")),
            "        unspec 00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00  txqueuelen 500  (UNSPEC)"
        );
        assert_eq!(
            line("loopback", Some("00:00:00:00:00:00")),
            "        loop  txqueuelen 500  (Local Loopback)"
        );
    }

    #[test]
    fn ax25_call_signs() {
        let shifted: Vec<u8> = b"N0CALL".iter().map(|c| c << 1).collect();
        let mut with_ssid = shifted.clone();
        with_ssid.push(7 << 1);
        assert_eq!(ax25(&with_ssid), "N0CALL-7");
        let short: Vec<u8> = b"AB    ".iter().map(|c| c << 1).chain([0]).collect();
        assert_eq!(ax25(&short), "AB");
        assert_eq!(ax25(&[]), "");
    }
}
