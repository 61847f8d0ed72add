//! The `.explain` glossary: what a TCP state, a netstat column header (Linux and BSD), a route
//! or interface flag letter, a table or a column means, in netpry's own words.
//!
//! Lookups ignore case and the punctuation people vary (`TIME-WAIT`, `time_wait`, `timewait`,
//! `Recv-Q`, `recvq`). A term that is not in the glossary but is made only of route-flag letters
//! (`UGSc`, `UHLW`) is decomposed letter by letter, BSD and Linux meanings side by side. Tables and
//! columns come from the registry ([`crate::tables::TABLES`]), so every column is covered.

use std::fmt::Write as _;

use crate::tables::TABLES;

/// One glossary entry.
struct Entry {
    /// The spellings that find it (compared after [`normalize`]).
    keys: &'static [&'static str],
    /// Heading shown above the text.
    title: &'static str,
    /// The explanation.
    text: &'static str,
}

const fn e(keys: &'static [&'static str], title: &'static str, text: &'static str) -> Entry {
    Entry { keys, title, text }
}

/// TCP states, under the names Linux (`/proc`, net-tools), `ss` and BSD netstat use.
static TCP_STATES: &[Entry] = &[
    e(
        &["LISTEN"],
        "TCP state LISTEN",
        "A server socket waiting for connection requests. It has no peer; the foreign address \
         shows as 0.0.0.0:* (Linux) or *.* (BSD). Its Recv-Q is the number of connections that \
         completed the handshake but have not been accept()ed yet, and Send-Q is the backlog limit.",
    ),
    e(
        &["SYN_SENT"],
        "TCP state SYN_SENT",
        "This side called connect() and sent a SYN; it waits for the peer's SYN-ACK. Many sockets \
         stuck here mean the destination does not answer (filtered port, dead host, wrong route).",
    ),
    e(
        &["SYN_RECV", "SYN_RCVD", "NEW_SYN_RECV"],
        "TCP state SYN_RECV (BSD: SYN_RCVD)",
        "A connection request arrived on a listening socket and this side answered with SYN-ACK; \
         it waits for the final ACK of the three-way handshake. Linux keeps these as light request \
         sockets (NEW_SYN_RECV inside the kernel). A large number may mean a SYN flood or clients \
         that cannot reach us back.",
    ),
    e(
        &["ESTABLISHED", "ESTAB"],
        "TCP state ESTABLISHED (ss: ESTAB)",
        "The handshake is complete and data can flow both ways. This is the normal state of a \
         working connection.",
    ),
    e(
        &["FIN_WAIT1", "FIN_WAIT_1"],
        "TCP state FIN_WAIT1 (BSD: FIN_WAIT_1)",
        "The local application closed the connection and a FIN was sent; the peer has not \
         acknowledged it yet. Normally brief; lingering sockets here point at a peer or path that \
         stopped answering.",
    ),
    e(
        &["FIN_WAIT2", "FIN_WAIT_2"],
        "TCP state FIN_WAIT2 (BSD: FIN_WAIT_2)",
        "The local side closed and the peer acknowledged, but the peer has not closed its own half \
         yet. Linux drops orphaned sockets here after net.ipv4.tcp_fin_timeout seconds.",
    ),
    e(
        &["TIME_WAIT"],
        "TCP state TIME_WAIT",
        "Both sides have closed; this side closed first and now waits (60 s on Linux) so that late \
         packets of the old connection cannot be mistaken for a new one using the same addresses \
         and ports. Harmless in itself; thousands of them mean many short connections initiated \
         by this host. The process is gone, so no PID or user is shown.",
    ),
    e(
        &["CLOSE", "CLOSED", "UNCONN"],
        "TCP state CLOSE (BSD: CLOSED; ss: UNCONN)",
        "The socket is not connected: freshly created, or fully shut down. For UDP and raw \
         sockets, which have no connection, Linux reports this state for every unconnected socket \
         and net-tools netstat leaves the State column empty.",
    ),
    e(
        &["CLOSE_WAIT"],
        "TCP state CLOSE_WAIT",
        "The peer closed its half of the connection (sent FIN) and the kernel acknowledged it; the \
         local application has not called close() yet. Sockets that stay here are almost always \
         an application bug: it stopped reading and never closes. A non-zero Recv-Q shows data it \
         never read.",
    ),
    e(
        &["LAST_ACK"],
        "TCP state LAST_ACK",
        "The peer closed first, then the local application closed too and a FIN was sent; the \
         kernel waits for the peer to acknowledge that last FIN.",
    ),
    e(
        &["CLOSING"],
        "TCP state CLOSING",
        "Both sides closed at the same time: each sent a FIN before receiving the other's, and \
         this side still waits for the acknowledgement of its own FIN. Rare.",
    ),
    e(
        &["BOUND"],
        "Socket state BOUND",
        "A socket with a local address (bind()) that is neither listening nor connected. Linux \
         reports it as CLOSE/UNCONN.",
    ),
];

/// Column headers of net-tools netstat on Linux and of BSD / Mac OS X netstat.
static HEADERS: &[Entry] = &[
    e(
        &["Proto"],
        "netstat column Proto",
        "The protocol of the socket. Linux: tcp, tcp6, udp, udp6, udpl (UDP-Lite), raw, raw6, \
         unix. BSD: the name cut to three letters plus the IP version, e.g. tcp4, tcp6, tcp46 \
         (one socket serving both IPv4 and IPv6), udp4, icm6. netpry: sockets.proto and \
         sockets.family.",
    ),
    e(
        &["Recv-Q"],
        "netstat column Recv-Q",
        "Bytes received by the kernel that the application has not read yet. A value that stays \
         high means the application is slow or stuck. On a listening TCP socket Linux shows the \
         number of connections waiting for accept() instead. netpry: sockets.recv_q.",
    ),
    e(
        &["Send-Q"],
        "netstat column Send-Q",
        "Bytes the application wrote that the peer has not acknowledged yet (still queued or in \
         flight). A value that stays high means the peer or the path is slow. On a listening TCP \
         socket Linux shows the backlog limit. netpry: sockets.send_q.",
    ),
    e(
        &["Local Address"],
        "netstat column Local Address",
        "The address and port of this end of the socket: host:port on Linux (0.0.0.0 or [::] for \
         any address), host.port on BSD (* for any). Names are shown unless -n asks for numbers. \
         netpry: sockets.local_addr and sockets.local_port.",
    ),
    e(
        &["Foreign Address"],
        "netstat column Foreign Address",
        "The address and port of the other end; 0.0.0.0:* (Linux) or *.* (BSD) when there is no \
         peer, as for listening or unconnected sockets. netpry: sockets.remote_addr and \
         sockets.remote_port.",
    ),
    e(
        &["State", "(state)", "St"],
        "netstat column State (BSD: (state))",
        "The TCP state of the socket (try `.explain ESTABLISHED`, `.explain TIME_WAIT`, ...). For \
         UDP Linux prints ESTABLISHED for a connected socket and nothing otherwise; for raw \
         sockets it prints the protocol number. For unix sockets: FREE, LISTENING, CONNECTING, \
         CONNECTED, DISCONNECTING or empty.",
    ),
    e(
        &["User"],
        "netstat column User",
        "The owner of the socket (netstat -e): a user name, or the numeric uid with -n or when \
         the uid has no passwd entry. netpry: sockets.uid.",
    ),
    e(
        &["Inode", "I-Node"],
        "netstat column Inode / I-Node",
        "Linux: the socket's inode number, the key that links a socket to the processes holding \
         it (/proc/PID/fd/N -> socket:[INODE]). BSD unix-socket list: the address of the file \
         system node the socket is bound to (0 when unbound). netpry: sockets.inode.",
    ),
    e(
        &["PID/Program name"],
        "netstat column PID/Program name",
        "The process holding the socket (netstat -p), as PID/name, found by scanning \
         /proc/*/fd; `-` when unknown (another user's process without root, or TIME_WAIT sockets \
         that no process owns). netpry: sockets.pid and sockets.process, or join with \
         processes().",
    ),
    e(
        &["Timer"],
        "netstat column Timer",
        "The socket's active kernel timer (netstat -o): off, on (retransmission), keepalive, \
         timewait or probe (zero window), then (seconds left/retransmissions/probes), e.g. \
         keepalive (7194.11/0/0).",
    ),
    e(
        &["RefCnt", "Ref"],
        "netstat column RefCnt / Ref",
        "A kernel reference count: for unix sockets, how many references the socket has; for \
         routes, how many users hold the route (always 0 on modern Linux); for multicast groups, \
         how many sockets joined the group.",
    ),
    e(
        &["Flags", "Flag", "Flg"],
        "netstat column Flags / Flag / Flg",
        "Letters, one per property. Routes (netstat -r): see `.explain UG` style decompositions, \
         e.g. `.explain UGSc`. Interfaces (netstat -i, Flg): B broadcast, L loopback, M multicast, \
         R running, U up, P promiscuous or point-to-point, O no ARP, ... Unix sockets: [ ACC ] for \
         a listening socket, W waiting for data, N out of space.",
    ),
    e(
        &["Type"],
        "netstat column Type",
        "The kind of a unix socket: STREAM (Linux) or stream (BSD) for connection-oriented byte \
         streams, DGRAM/dgram for datagrams, SEQPACKET/seqpac for reliable datagrams, RAW.",
    ),
    e(
        &["Path", "Addr"],
        "netstat column Path (BSD: Addr)",
        "The file system path a unix socket is bound to; abstract names (not in the file system) \
         start with @ on Linux. Empty for unnamed sockets.",
    ),
    e(
        &["Destination"],
        "netstat column Destination",
        "The network or host a route leads to. `default` (or 0.0.0.0, ::/0) matches everything \
         no more specific route matches. BSD prints networks shortened by their class and a \
         /prefix length (132.235.232/23); Linux prints the address and the mask in Genmask.",
    ),
    e(
        &["Gateway", "Next Hop"],
        "netstat column Gateway / Next Hop",
        "Where packets for the destination are sent. A router's address when the flags contain \
         G; otherwise the destination is directly on the link: Linux prints 0.0.0.0 or * for \
         that, BSD prints link#N (interface index N) or the neighbour's MAC address.",
    ),
    e(
        &["Genmask"],
        "netstat column Genmask",
        "The network mask of a Linux route, dotted (255.255.255.0 for a /24; 255.255.255.255 for a \
         host route; 0.0.0.0 for the default route).",
    ),
    e(
        &["MSS"],
        "netstat column MSS",
        "Maximum segment size set on the route for TCP (net-tools shows the route's MTU metric \
         here, 0 when none is set).",
    ),
    e(
        &["Window"],
        "netstat column Window",
        "The default TCP window set on a Linux route (0: none; the kernel decides).",
    ),
    e(
        &["irtt"],
        "netstat column irtt",
        "Initial round-trip time set on a Linux route, in milliseconds (0: none; the kernel's \
         default).",
    ),
    e(
        &["Iface", "If", "Interface"],
        "netstat column Iface / If / Interface",
        "The network interface a route sends through, or an interface in netstat -i and the \
         multicast group list. BSD calls it Netif.",
    ),
    e(
        &["Netif"],
        "netstat column Netif (BSD)",
        "The network interface a BSD route or link-layer entry uses (en0, lo0, ...); Linux calls \
         it Iface.",
    ),
    e(
        &["Metric", "Met"],
        "netstat column Metric / Met",
        "The route's cost: among routes to the same destination the lowest metric wins. \
         netpry: routes.metric.",
    ),
    e(
        &["Use"],
        "netstat column Use",
        "How many times the route was looked up (BSD: packets sent using it). Modern Linux no \
         longer counts this and shows 0.",
    ),
    e(
        &["Refs"],
        "netstat column Refs (BSD)",
        "How many users currently hold the route: connection-oriented protocols hold one for the \
         life of a connection. On Linux there is no such counter.",
    ),
    e(
        &["Expire"],
        "netstat column Expire (BSD)",
        "Seconds until a dynamic route or link-layer (ARP/neighbour) entry expires; blank for \
         permanent entries, ! when already expired.",
    ),
    e(
        &["MTU", "Mtu"],
        "netstat column MTU",
        "Maximum transmission unit of an interface (or a route with -l on BSD): the largest IP \
         packet it sends without fragmenting, in bytes. netpry: interfaces.mtu.",
    ),
    e(
        &["RX-OK", "TX-OK"],
        "netstat columns RX-OK / TX-OK",
        "Packets received / transmitted without error on the interface since it was created. \
         netpry: interfaces.rx_packets / tx_packets.",
    ),
    e(
        &["RX-ERR", "TX-ERR"],
        "netstat columns RX-ERR / TX-ERR",
        "Packets received / transmitted with errors (bad checksum, frame or length; carrier \
         problems on transmit). Rising numbers point at cabling, duplex or driver trouble.",
    ),
    e(
        &["RX-DRP", "TX-DRP"],
        "netstat columns RX-DRP / TX-DRP",
        "Packets dropped: received but thrown away (no buffer, unknown protocol, filtered) or not \
         sent (queue full, interface down).",
    ),
    e(
        &["RX-OVR", "TX-OVR"],
        "netstat columns RX-OVR / TX-OVR",
        "FIFO overruns: the hardware got (or was asked to send) packets faster than they could \
         be moved between the card and memory.",
    ),
    e(
        &["Name"],
        "netstat column Name (BSD -i)",
        "The interface name; a `*` after it means the interface is down.",
    ),
    e(
        &["Network"],
        "netstat column Network (BSD -i)",
        "The network of an interface address (<Link#N> for the link-layer row), classfully \
         shortened when printed by name.",
    ),
    e(
        &["Address"],
        "netstat column Address",
        "BSD -i: the interface's address on that network (the MAC on the <Link#N> row). BSD unix \
         socket list: the kernel address of the socket's control block.",
    ),
    e(
        &["Ipkts", "Opkts"],
        "netstat columns Ipkts / Opkts (BSD)",
        "Packets received (input) / sent (output) on the interface; Linux calls them RX-OK and \
         TX-OK.",
    ),
    e(
        &["Ierrs", "Oerrs"],
        "netstat columns Ierrs / Oerrs (BSD)",
        "Input / output errors on the interface; Linux calls them RX-ERR and TX-ERR.",
    ),
    e(
        &["Ibytes", "Obytes"],
        "netstat columns Ibytes / Obytes (BSD -b)",
        "Bytes received / sent on the interface. netpry: interfaces.rx_bytes / tx_bytes.",
    ),
    e(
        &["Coll"],
        "netstat column Coll (BSD)",
        "Ethernet collisions seen while sending; only meaningful on shared half-duplex media.",
    ),
    e(
        &["Drop"],
        "netstat column Drop (BSD -d)",
        "Packets dropped on output by the interface.",
    ),
    e(
        &["Socket"],
        "netstat column Socket (BSD -A)",
        "The kernel address of the protocol control block; netpry shows the sock_diag cookie, a \
         unique socket identifier.",
    ),
    e(
        &["Listen"],
        "netstat column Listen (BSD -L)",
        "Listen queue sizes qlen/incqlen/maxqlen: connections waiting for accept(), incomplete \
         handshakes, and the backlog limit.",
    ),
    e(
        &["Conn", "Nextref"],
        "netstat columns Conn / Refs / Nextref (BSD unix sockets)",
        "Kernel pointers linking connected unix sockets: the peer's control block, the first \
         socket connected to this one, and the next in that list.",
    ),
    e(
        &["Group", "Link-layer Address"],
        "netstat column Group",
        "A multicast group the interface listens to (netstat -g), as an IP address; BSD also \
         shows its link-layer (MAC) address.",
    ),
    e(
        &["Source", "TOS", "HHRef", "HHUptod", "SpecDst"],
        "netstat route cache columns",
        "Columns of the old Linux IPv4 routing cache (netstat -rC): source address, type of \
         service, hardware header reference count and freshness, specific destination. Kernels \
         since 3.6 have no such cache, so the table is empty.",
    ),
];

/// Other words that come up when reading netstat and ip output.
static CONCEPTS: &[Entry] = &[
    e(
        &["default", "0.0.0.0/0", "::/0"],
        "default route",
        "The route used when no more specific one matches: everything not on a local network \
         goes to its gateway.",
    ),
    e(
        &["*.*", "0.0.0.0:*", ":::*", "*"],
        "wildcard address",
        "Any address or port: a socket bound to every local address, or with no peer yet.",
    ),
    e(
        &["link#"],
        "link#N (BSD gateway)",
        "A route whose destination is directly on the interface with index N: no router needed.",
    ),
    e(
        &["ephemeral port", "ephemeral"],
        "ephemeral port",
        "A port the kernel picks for the local side of an outgoing connection, from \
         net.ipv4.ip_local_port_range.",
    ),
    e(
        &["backlog"],
        "listen backlog",
        "How many fully established connections a listening socket may queue before accept(); \
         capped by net.core.somaxconn.",
    ),
];

/// One route-flag letter: its BSD meaning and its Linux (net-tools `route -n`) meaning.
struct Flag {
    letter: char,
    bsd: Option<&'static str>,
    linux: Option<&'static str>,
}

const fn f(letter: char, bsd: Option<&'static str>, linux: Option<&'static str>) -> Flag {
    Flag { letter, bsd, linux }
}

/// Route flag letters of BSD / Mac OS X netstat -r and of Linux net-tools route/netstat -r.
static ROUTE_FLAGS: &[Flag] = &[
    f(
        'U',
        Some("up: the route is usable"),
        Some("up: the route is usable"),
    ),
    f(
        'G',
        Some("gateway: packets are forwarded to a router"),
        Some("gateway: packets are forwarded to a router"),
    ),
    f(
        'H',
        Some("host: the destination is one host, not a network"),
        Some("host: the destination is one host, not a network"),
    ),
    f(
        'R',
        Some("reject: destination unreachable, packets are refused"),
        Some("reinstate: route reinstated for dynamic routing"),
    ),
    f(
        'D',
        Some("dynamic: created by an ICMP redirect"),
        Some("dynamic: installed by a daemon or an ICMP redirect"),
    ),
    f(
        'M',
        Some("modified: changed by an ICMP redirect"),
        Some("modified: changed by a daemon or an ICMP redirect"),
    ),
    f(
        'm',
        Some("multicast route"),
        Some("(IPv6) route with its MTU set (modified)"),
    ),
    f(
        'd',
        Some("done: the route's message was answered"),
        Some("dynamic route, not yet confirmed"),
    ),
    f(
        'C',
        Some("cloning: new host routes are generated from it on use (a connected network)"),
        Some("cache entry"),
    ),
    f(
        'X',
        Some("external resolve: a daemon translates to link addresses"),
        None,
    ),
    f(
        'L',
        Some("link-layer: the entry holds a link (MAC) address, like an ARP entry"),
        None,
    ),
    f(
        'S',
        Some("static: added by hand (or by configuration)"),
        None,
    ),
    f(
        '1',
        Some("protocol-specific flag 1 (routing daemons)"),
        None,
    ),
    f('2', Some("protocol-specific flag 2"), None),
    f('3', Some("protocol-specific flag 3"), None),
    f(
        'W',
        Some("was cloned: generated from a cloning (C or c) route"),
        None,
    ),
    f(
        'c',
        Some("protocol cloning: per-destination routes are generated from it"),
        Some("(IPv4) route with cached information"),
    ),
    f('B', Some("blackhole: packets are silently discarded"), None),
    f(
        'b',
        Some("broadcast: the destination is a broadcast address"),
        None,
    ),
    f('I', Some("interface-scoped route"), None),
    f('i', Some("holds a reference to its interface"), None),
    f('Y', Some("proxy: answered on behalf of another host"), None),
    f('r', Some("router: the neighbour is a router"), None),
    f('g', Some("global route"), None),
    f('!', None, Some("reject: destination unreachable")),
    f(
        'A',
        None,
        Some("(IPv6) added by address autoconfiguration (router advertisement)"),
    ),
    f('a', None, Some("added by address configuration")),
    f('e', None, Some("expires: the route has a lifetime")),
    f('n', None, Some("not yet resolved next hop")),
    f(
        'o',
        None,
        Some("route from the kernel's local configuration"),
    ),
    f('f', None, Some("flow route")),
    f('p', None, Some("policy route")),
    f('l', None, Some("local route")),
    f('u', None, Some("unicast route")),
    f('w', None, Some("window set on the route")),
];

/// Interface flag letters of `netstat -i` (the Flg column) on Linux.
static IFACE_FLAGS: &[(char, &str)] = &[
    ('A', "receives all multicast packets (allmulti)"),
    ('B', "has a valid broadcast address"),
    ('D', "debugging enabled"),
    ('L', "loopback interface"),
    ('M', "supports multicast"),
    ('d', "dynamic address (the interface goes away with it)"),
    ('P', "promiscuous mode, or a point-to-point link"),
    ('N', "no trailers"),
    ('O', "no ARP on this interface"),
    ('s', "slave of a bonding master"),
    ('m', "master of a bonding group"),
    ('R', "running: resources allocated, carrier present"),
    ('U', "up: administratively enabled"),
];

/// Lower-cases and drops separators, so spellings people vary compare equal.
fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' ' | '/' | '(' | ')'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn glossary() -> impl Iterator<Item = &'static Entry> {
    TCP_STATES.iter().chain(HEADERS).chain(CONCEPTS)
}

/// Every term `.explain` knows by name, for completion (glossary keys, table names, columns).
pub fn terms() -> Vec<String> {
    let mut out: Vec<String> = glossary()
        .flat_map(|e| e.keys.iter().map(|k| k.to_string()))
        .collect();
    for t in TABLES {
        out.push(t.name.to_string());
        for c in (t.columns)() {
            out.push(format!("{}.{}", t.name, c.name));
            out.push(c.name.to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The explanation of `term`, or `None` when nothing matches.
pub fn explain(term: &str) -> Option<String> {
    let term = term.trim();
    if term.is_empty() {
        return None;
    }
    let key = normalize(term);
    let mut out = String::new();
    for entry in glossary() {
        if entry.keys.iter().any(|k| normalize(k) == key) {
            section(&mut out, entry.title, entry.text);
        }
    }
    registry_matches(term, &mut out);
    if out.is_empty() || is_flag_word(term) {
        if let Some(text) = route_flags(term) {
            flag_section(&mut out, &format!("route flags {term}"), &text);
        }
        if let Some(text) = iface_flags(term) {
            flag_section(
                &mut out,
                &format!("interface flags {term} (netstat -i, Flg)"),
                &text,
            );
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Whether `term` looks like a flag word even though it also names something else: short, made
/// of flag letters, starting with U (every listed route and every active interface is up).
fn is_flag_word(term: &str) -> bool {
    term.len() <= 8
        && term.starts_with('U')
        && term
            .chars()
            .all(|c| ROUTE_FLAGS.iter().any(|f| f.letter == c))
}

fn section(out: &mut String, title: &str, text: &str) {
    if !out.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "{title}");
    let _ = writeln!(out, "{}", wrap(text, 78, "  "));
}

/// A section of `LETTER  meaning` lines, each wrapped with a hanging indent.
fn flag_section(out: &mut String, title: &str, lines: &str) {
    if !out.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(out, "{title}");
    for line in lines.lines() {
        let (letter, text) = line.split_at(line.chars().next().map_or(0, char::len_utf8));
        let wrapped = wrap(text.trim_start(), 78, "     ");
        let _ = writeln!(out, "  {letter}  {}", wrapped.trim_start());
    }
}

/// Tables and columns from the registry: `sockets`, `sockets.state`, or a bare column name
/// (every table that has it).
fn registry_matches(term: &str, out: &mut String) {
    let lower = term.to_ascii_lowercase();
    let (table, column) = match lower.split_once('.') {
        Some((t, c)) => (Some(t), c),
        None => (None, lower.as_str()),
    };
    for def in TABLES {
        if table.is_none() && def.name == column {
            let cols: Vec<&str> = (def.columns)().iter().map(|c| c.name.as_ref()).collect();
            let text = format!(
                "{}. Source: {}. Columns: {}. See `.schema {}` for types and descriptions.",
                def.doc,
                def.source,
                cols.join(", "),
                def.name
            );
            section(out, &format!("table {}", def.name), &text);
        }
        if table.is_some_and(|t| t != def.name) {
            continue;
        }
        for c in (def.columns)() {
            if c.name == column {
                let text = format!("{} (type {}).", c.doc.trim_end_matches('.'), c.ty.name());
                section(out, &format!("column {}.{}", def.name, c.name), &text);
            }
        }
    }
}

/// Decomposes a route flag word letter by letter; `None` when a letter is not a flag.
fn route_flags(word: &str) -> Option<String> {
    let mut out = String::new();
    for ch in word.chars() {
        let flag = ROUTE_FLAGS.iter().find(|f| f.letter == ch)?;
        let text = match (flag.bsd, flag.linux) {
            (Some(b), Some(l)) if b == l => b.to_string(),
            (Some(b), Some(l)) => format!("BSD: {b}; Linux: {l}"),
            (Some(b), None) => format!("{b} (BSD)"),
            (None, Some(l)) => format!("{l} (Linux)"),
            (None, None) => continue,
        };
        let _ = writeln!(out, "{ch}  {text}");
    }
    Some(out.trim_end().to_string())
}

/// Decomposes a `netstat -i` Flg word; `None` when a letter is not an interface flag.
fn iface_flags(word: &str) -> Option<String> {
    let mut out = String::new();
    for ch in word.chars() {
        let (_, text) = IFACE_FLAGS.iter().find(|(c, _)| *c == ch)?;
        let _ = writeln!(out, "{ch}  {text}");
    }
    Some(out.trim_end().to_string())
}

/// Word-wraps `text` to `width` columns, each line starting with `indent`; lines already broken
/// (flag lists) keep their breaks.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut lines = Vec::new();
    for para in text.lines() {
        let mut line = String::from(indent);
        for word in para.split_whitespace() {
            if line.len() > indent.len() && line.len() + 1 + word.len() > width {
                lines.push(std::mem::replace(&mut line, String::from(indent)));
            }
            if line.len() > indent.len() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines.join("\n")
}

/// The topics `.explain` covers, for `.help explain`.
pub fn overview() -> String {
    let states: Vec<&str> = TCP_STATES.iter().map(|e| e.keys[0]).collect();
    let headers: Vec<&str> = HEADERS
        .iter()
        .flat_map(|e| e.keys.iter().copied())
        .collect();
    let tables: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    format!(
        ".explain TERM explains a term in plain words. It knows:\n\
         \x20 TCP states: {}\n\
         \x20 netstat columns: {}\n\
         \x20 route flags, letter by letter: .explain UGSc, .explain UHLW, .explain UG!\n\
         \x20 interface flags (netstat -i Flg): .explain BMRU\n\
         \x20 tables and columns: {} (.explain sockets, .explain sockets.state, .explain mtu)\n",
        wrap(&states.join(" "), 78, "    ").trim_start(),
        wrap(&headers.join(", "), 78, "    ").trim_start(),
        tables.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_linux_bsd_and_ss_tcp_state_is_explained() {
        for s in [
            "LISTEN",
            "SYN_SENT",
            "SYN_RECV",
            "SYN_RCVD",
            "ESTABLISHED",
            "ESTAB",
            "FIN_WAIT1",
            "FIN_WAIT_1",
            "FIN-WAIT-1",
            "FIN_WAIT2",
            "FIN_WAIT_2",
            "TIME_WAIT",
            "TIME-WAIT",
            "CLOSE",
            "CLOSED",
            "UNCONN",
            "CLOSE_WAIT",
            "CLOSE-WAIT",
            "LAST_ACK",
            "CLOSING",
            "NEW_SYN_RECV",
        ] {
            let text = explain(s).unwrap_or_else(|| panic!("{s} not explained"));
            assert!(
                text.contains("TCP state") || text.contains("state"),
                "{s}: {text}"
            );
        }
        assert!(
            explain("close_wait")
                .unwrap()
                .contains("application has not called close()")
        );
    }

    #[test]
    fn every_netstat_header_is_explained() {
        let linux = [
            "Proto",
            "Recv-Q",
            "Send-Q",
            "Local Address",
            "Foreign Address",
            "State",
            "User",
            "Inode",
            "PID/Program name",
            "Timer",
            "RefCnt",
            "Flags",
            "Type",
            "I-Node",
            "Path",
            "Destination",
            "Gateway",
            "Genmask",
            "MSS",
            "Window",
            "irtt",
            "Iface",
            "Metric",
            "Ref",
            "Use",
            "Next Hop",
            "Flag",
            "Met",
            "If",
            "MTU",
            "RX-OK",
            "RX-ERR",
            "RX-DRP",
            "RX-OVR",
            "TX-OK",
            "TX-ERR",
            "TX-DRP",
            "TX-OVR",
            "Flg",
            "Interface",
            "Group",
            "Source",
            "TOS",
            "HHRef",
            "HHUptod",
            "SpecDst",
        ];
        let bsd = [
            "(state)",
            "Address",
            "Conn",
            "Refs",
            "Nextref",
            "Addr",
            "Netif",
            "Expire",
            "Name",
            "Mtu",
            "Network",
            "Ipkts",
            "Ierrs",
            "Ibytes",
            "Opkts",
            "Oerrs",
            "Obytes",
            "Coll",
            "Drop",
            "Socket",
            "Listen",
            "Link-layer Address",
        ];
        for h in linux
            .iter()
            .chain(&bsd)
            .chain(&["recv-q", "recvq", "pid/program name"])
        {
            assert!(explain(h).is_some(), "header {h} not explained");
        }
    }

    #[test]
    fn route_flags_decompose_letter_by_letter() {
        let text = explain("UGSc").unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "route flags UGSc");
        assert!(lines[1].starts_with("  U  up"), "{text}");
        assert!(lines[2].starts_with("  G  gateway"), "{text}");
        assert!(lines[3].starts_with("  S  static"), "{text}");
        assert!(lines[4].starts_with("  c  BSD: protocol cloning"), "{text}");
        assert!(explain("UHLW").unwrap().contains("W  was cloned"));
        assert!(explain("UG!").unwrap().contains("!  reject"));
        // Every handout letter is known.
        for ch in "123BbCcDGHLMRSUWX".chars() {
            assert!(route_flags(&ch.to_string()).is_some(), "{ch}");
        }
        assert!(explain("UQ").is_none());
    }

    #[test]
    fn interface_flags_decompose() {
        let text = explain("BMRU").unwrap();
        assert!(
            text.contains("interface flags BMRU") && text.contains("R  running"),
            "{text}"
        );
    }

    #[test]
    fn every_table_and_column_is_explained_from_the_registry() {
        for def in TABLES {
            let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                flat(&explain(def.name).unwrap()).contains(&flat(def.doc)),
                "{}",
                def.name
            );
            for c in (def.columns)() {
                let q = format!("{}.{}", def.name, c.name);
                let text = explain(&q).unwrap_or_else(|| panic!("{q}"));
                assert!(text.contains(&format!("column {q}")), "{q}: {text}");
                assert!(explain(&c.name).is_some(), "{}", c.name);
            }
        }
        assert!(explain("nosuchthing").is_none());
    }

    #[test]
    fn wrap_keeps_lines_short() {
        let w = wrap(&"word ".repeat(50), 30, "  ");
        assert!(
            w.lines().all(|l| l.len() <= 30 && l.starts_with("  ")),
            "{w}"
        );
    }
}
