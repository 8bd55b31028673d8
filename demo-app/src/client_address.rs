//! Who the client is, for the probing watch and the error groups' distinct-client counts.
//!
//! Without a proxy it is the peer address. Behind reverse proxies the operator runs, each
//! proxy *appends* the address it received the request from to `X-Forwarded-For`; whatever
//! stands to the left of what the trusted proxies wrote was written by the client, who can
//! write anything. So the address is read from the right: with N trusted proxies it is the
//! N-th hop from the right (the one the outermost proxy appended), or, with their
//! addresses, the first hop from the right that is not one of them (and only when the peer
//! is one of them). A header that is malformed where it is read, too long, or too short
//! for the proxies said to be in front counts for nothing: the peer address it is.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderValue;
use serde::Serialize;

/// Past this many bytes (all `X-Forwarded-For` lines together) the header is not read.
pub const MAX_HEADER_BYTES: usize = 1024;
/// Past this many hops the header is not read.
pub const MAX_HOPS: usize = 32;
/// The most proxies that can be said to stand in front of the app.
pub const MAX_PROXIES: u8 = 16;

/// The `trust_forwarded_for` setting: whose `X-Forwarded-For` hops to believe.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ProxyTrust {
    /// `false`: the header is ignored, the client is the peer.
    #[default]
    Nobody,
    /// `true` (one) or a number: that many proxies stand in front of the app, every
    /// request passes through all of them.
    Proxies(u8),
    /// A list of proxy addresses or networks: hops from these are believed, and only when
    /// the request came from one of them.
    Addresses(Vec<Network>),
}

/// An address or a CIDR network (`10.0.0.5`, `10.1.0.0/16`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(text: &str) -> Result<Network, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("`{text}` is not an IP address or network"))?;
        let address = address.to_canonical();
        let widest = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => widest,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= widest)
                .ok_or_else(|| format!("`{text}` has a prefix length outside 0..={widest}"))?,
        };
        Ok(Network { address, prefix })
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let widest = if self.address.is_ipv4() { 32 } else { 128 };
        if self.prefix == widest {
            write!(f, "{}", self.address)
        } else {
            write!(f, "{}/{}", self.address, self.prefix)
        }
    }
}

impl FromStr for ProxyTrust {
    type Err = String;

    fn from_str(text: &str) -> Result<ProxyTrust, String> {
        let text = text.trim();
        match text {
            "false" | "0" => return Ok(ProxyTrust::Nobody),
            "true" => return Ok(ProxyTrust::Proxies(1)),
            _ => {}
        }
        if text.chars().all(|c| c.is_ascii_digit()) && !text.is_empty() {
            return text
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=MAX_PROXIES).contains(n))
                .map(ProxyTrust::Proxies)
                .ok_or_else(|| format!("{text} proxies is outside 0..={MAX_PROXIES}"));
        }
        let networks = text
            .split(',')
            .map(|part| part.trim().parse::<Network>())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ProxyTrust::Addresses(networks))
    }
}

impl fmt::Display for ProxyTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyTrust::Nobody => f.write_str("false"),
            ProxyTrust::Proxies(n) => write!(f, "{n}"),
            ProxyTrust::Addresses(networks) => {
                let list: Vec<String> = networks.iter().map(Network::to_string).collect();
                f.write_str(&list.join(", "))
            }
        }
    }
}

/// The settings dump shows the setting as it would be written.
impl Serialize for ProxyTrust {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The hint a bad value gets.
pub const HINT: &str = "Use false (no proxy: the peer address), true or a number of proxies \
     in front of the app (1 to 16: the address is read that many hops from the right of \
     X-Forwarded-For), or the proxies' addresses, e.g. `10.0.0.5, 10.1.0.0/16`.";

/// The client's address for `request`, as text.
pub fn of_request(request: &HttpRequest, trust: &ProxyTrust) -> String {
    let peer = request.peer_addr().map(|a| a.ip());
    let header = request.headers().get_all("x-forwarded-for");
    match client(peer, header, trust) {
        Some(ip) => text_of(ip),
        None => "unknown".to_string(),
    }
}

/// `ip` as its `Display` writes it; an IPv4 address digit by digit, without the formatting
/// machinery (two thirds of what finding the client cost, on every 5xx).
fn text_of(ip: IpAddr) -> String {
    let IpAddr::V4(v4) = ip else {
        return ip.to_string();
    };
    let mut text = String::with_capacity(15);
    for (at, octet) in v4.octets().into_iter().enumerate() {
        if at > 0 {
            text.push('.');
        }
        if octet >= 100 {
            text.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            text.push(char::from(b'0' + octet / 10 % 10));
        }
        text.push(char::from(b'0' + octet % 10));
    }
    text
}

/// The client's address: the peer's, or the hop the trusted proxies vouch for.
pub fn client<'a>(
    peer: Option<IpAddr>,
    forwarded_for: impl IntoIterator<Item = &'a HeaderValue>,
    trust: &ProxyTrust,
) -> Option<IpAddr> {
    let peer = peer.map(|ip| ip.to_canonical());
    if *trust == ProxyTrust::Nobody {
        return peer;
    }
    let Some(hops) = hops(forwarded_for) else {
        return peer;
    };
    let vouched = match trust {
        ProxyTrust::Nobody => None,
        ProxyTrust::Proxies(n) => nth_from_right(&hops, usize::from(*n)),
        ProxyTrust::Addresses(networks) => {
            let trusted = |ip: IpAddr| networks.iter().any(|n| n.contains(ip));
            match peer {
                Some(ip) if trusted(ip) => first_untrusted_from_right(&hops, trusted),
                // Not from a proxy of ours: whatever the header says was said by the client.
                _ => None,
            }
        }
    };
    vouched.or(peer)
}

/// Every hop of every `X-Forwarded-For` line, in order; `None` when the header is absent,
/// not plain text, or too long to be one a handful of proxies wrote.
fn hops<'a>(lines: impl IntoIterator<Item = &'a HeaderValue>) -> Option<Vec<&'a str>> {
    let mut hops = Vec::new();
    let mut bytes = 0;
    for line in lines {
        bytes += line.len();
        if bytes > MAX_HEADER_BYTES {
            return None;
        }
        let text = line.to_str().ok()?;
        hops.extend(text.split(',').map(str::trim));
        if hops.len() > MAX_HOPS {
            return None;
        }
    }
    (!hops.is_empty()).then_some(hops)
}

/// The hop `n` places from the right, when it and every hop to its right (what the
/// trusted proxies wrote) are addresses.
fn nth_from_right(hops: &[&str], n: usize) -> Option<IpAddr> {
    let start = hops.len().checked_sub(n)?;
    let written_by_proxies: Vec<IpAddr> = hops[start..]
        .iter()
        .map(|hop| parse_hop(hop))
        .collect::<Option<_>>()?;
    written_by_proxies.first().copied()
}

/// The first hop from the right that is not a trusted proxy; every hop read on the way
/// must be an address. All of them trusted: the leftmost.
fn first_untrusted_from_right(hops: &[&str], trusted: impl Fn(IpAddr) -> bool) -> Option<IpAddr> {
    let mut leftmost = None;
    for hop in hops.iter().rev() {
        let ip = parse_hop(hop)?;
        if !trusted(ip) {
            return Some(ip);
        }
        leftmost = Some(ip);
    }
    leftmost
}

/// `203.0.113.7`, `2001:db8::1`, and the forms some proxies write with a port
/// (`203.0.113.7:4711`, `[2001:db8::1]:4711`) or in brackets (`[2001:db8::1]`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let ip = hop
        .parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse::<std::net::Ipv6Addr>().ok())
                .map(IpAddr::V6)
        })?;
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEER: &str = "10.0.0.2";

    fn ask(trust: &str, header: &[&str]) -> Option<String> {
        let trust: ProxyTrust = trust.parse().expect("valid setting");
        let values: Vec<HeaderValue> = header
            .iter()
            .map(|h| HeaderValue::from_str(h).expect("header"))
            .collect();
        client(PEER.parse().ok(), &values, &trust).map(|ip| ip.to_string())
    }

    fn is(ip: &str) -> Option<String> {
        Some(ip.to_string())
    }

    #[test]
    fn an_address_reads_as_its_display_writes_it() {
        for octet in 0..=255u8 {
            for ip in [
                std::net::Ipv4Addr::new(octet, 0, 255, 9),
                std::net::Ipv4Addr::new(10, octet, 1, 99),
                std::net::Ipv4Addr::new(127, 100, octet, 0),
                std::net::Ipv4Addr::new(1, 2, 3, octet),
            ] {
                assert_eq!(super::text_of(IpAddr::V4(ip)), ip.to_string());
            }
        }
        for v6 in [
            "::1",
            "2001:db8::8a2e:370:7334",
            "::ffff:10.0.0.1",
            "fe80::1",
        ] {
            let ip: IpAddr = v6.parse().expect("an IPv6 address");
            assert_eq!(super::text_of(ip), ip.to_string());
        }
    }

    #[test]
    fn without_trust_the_header_is_ignored() {
        assert_eq!(ask("false", &["203.0.113.9"]), is(PEER));
        assert_eq!(ask("0", &["203.0.113.9"]), is(PEER));
    }

    #[test]
    fn a_spoofed_first_hop_does_not_change_the_address() {
        // The client wrote 6.6.6.6; the proxy appended the address it saw.
        assert_eq!(ask("true", &["6.6.6.6, 203.0.113.9"]), is("203.0.113.9"));
        assert_eq!(ask("1", &["203.0.113.9"]), is("203.0.113.9"));
        assert_eq!(
            ask("1", &["1.1.1.1, 6.6.6.6, 203.0.113.9"]),
            is("203.0.113.9")
        );
        // Two proxies: the outer one appended the client, the inner one the outer proxy.
        assert_eq!(
            ask("2", &["6.6.6.6, 203.0.113.9, 10.0.0.1"]),
            is("203.0.113.9")
        );
        // Several header lines are one list, in order.
        assert_eq!(ask("1", &["6.6.6.6", "203.0.113.9"]), is("203.0.113.9"));
    }

    #[test]
    fn malformed_short_or_over_long_headers_fall_back_to_the_peer() {
        assert_eq!(ask("1", &["6.6.6.6, not-an-address"]), is(PEER));
        assert_eq!(ask("1", &["203.0.113.9, "]), is(PEER));
        assert_eq!(ask("1", &["unknown"]), is(PEER));
        assert_eq!(ask("2", &["203.0.113.9"]), is(PEER));
        assert_eq!(ask("1", &[]), is(PEER));
        let long = vec!["1.2.3.4"; MAX_HOPS + 1].join(",");
        assert_eq!(ask("1", &[&long]), is(PEER));
        let wide = format!("{}, 203.0.113.9", "a".repeat(MAX_HEADER_BYTES));
        assert_eq!(ask("1", &[&wide]), is(PEER));
        // Garbage the client wrote left of what is read does not matter.
        assert_eq!(ask("1", &["<script>, 203.0.113.9"]), is("203.0.113.9"));
    }

    #[test]
    fn with_proxy_addresses_the_first_untrusted_hop_from_the_right_is_the_client() {
        let proxies = "10.0.0.0/24, 192.0.2.1";
        assert_eq!(
            ask(proxies, &["6.6.6.6, 203.0.113.9, 192.0.2.1"]),
            is("203.0.113.9")
        );
        // Every hop a proxy: the leftmost is as far as anyone can tell.
        assert_eq!(ask(proxies, &["192.0.2.1"]), is("192.0.2.1"));
        assert_eq!(ask(proxies, &["6.6.6.6, bogus, 192.0.2.1"]), is(PEER));
        // A peer that is no proxy of ours: its header is its own word.
        let trust: ProxyTrust = proxies.parse().expect("valid");
        let header = [HeaderValue::from_static("203.0.113.9")];
        let direct = "198.51.100.7".parse().ok();
        assert_eq!(
            client(direct, &header, &trust).map(|ip| ip.to_string()),
            is("198.51.100.7")
        );
    }

    #[test]
    fn hops_with_ports_brackets_and_mapped_addresses_are_read() {
        assert_eq!(ask("1", &["203.0.113.9:4711"]), is("203.0.113.9"));
        assert_eq!(ask("1", &["[2001:db8::1]:4711"]), is("2001:db8::1"));
        assert_eq!(ask("1", &["[2001:db8::1]"]), is("2001:db8::1"));
        assert_eq!(ask("1", &["::ffff:203.0.113.9"]), is("203.0.113.9"));
    }

    #[test]
    fn the_setting_parses_and_prints_as_written() {
        for (text, shown) in [
            ("false", "false"),
            ("true", "1"),
            ("3", "3"),
            (" 10.0.0.0/8 ,192.0.2.1 ", "10.0.0.0/8, 192.0.2.1"),
            ("fd00::/8", "fd00::/8"),
        ] {
            let trust: ProxyTrust = text.parse().expect(text);
            assert_eq!(trust.to_string(), shown);
        }
        for bad in ["17", "yes", "10.0.0.0/33", "10.0.0.1,", "", "999"] {
            assert!(bad.parse::<ProxyTrust>().is_err(), "{bad}");
        }
    }

    #[test]
    fn networks_match_by_prefix() {
        let net: Network = "10.1.0.0/16".parse().expect("net");
        assert!(net.contains("10.1.200.3".parse().expect("ip")));
        assert!(!net.contains("10.2.0.1".parse().expect("ip")));
        assert!(net.contains("::ffff:10.1.0.9".parse().expect("ip")));
        let everything: Network = "0.0.0.0/0".parse().expect("net");
        assert!(everything.contains("203.0.113.9".parse().expect("ip")));
    }
}
