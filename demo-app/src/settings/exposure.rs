//! What a careless mode shows to everyone who can reach the listener. On loopback that is
//! the person at the keyboard; bound to a room's network (`--bind 0.0.0.0:8080`), every
//! error answer in dev hands the lab's secrets to anyone in the room. The app still starts
//! (showing dev on the projector from another machine is a fair thing to do), but says
//! what it exposes, once, at start-up.

use std::net::SocketAddr;

use super::Mode;
use super::table::{DEV_OPS_TOKEN, KEYS};

/// The warning for `mode` listening on `bind`, if it exposes anything beyond loopback.
pub(super) fn beyond_loopback(
    mode: Mode,
    bind: SocketAddr,
    ops_token: Option<&str>,
) -> Option<String> {
    if bind.ip().is_loopback() {
        return None;
    }
    let secrets: Vec<&str> = KEYS.iter().filter(|k| k.secret).map(|k| k.name).collect();
    let well_known = ops_token == Some(DEV_OPS_TOKEN);
    let ops = if well_known {
        format!(
            "and the /ops switches (release, faults, reset) answer the well-known token \
             `{DEV_OPS_TOKEN}`"
        )
    } else {
        "and the /ops switches answer the token that every dev error page shows".to_string()
    };
    let exposed = match mode {
        Mode::Prod => return None,
        Mode::Dev => format!(
            "every error answer shows anyone who can reach it the settings with their \
             secrets ({}), environment variables, file paths, SQL statements, the database \
             engine and version and the request headers; {ops}",
            secrets.join(", ")
        ),
        Mode::Bare => {
            let ops = if well_known {
                format!(", and the /ops switches answer the well-known token `{DEV_OPS_TOKEN}`")
            } else {
                String::new()
            };
            format!(
                "every server error answers its own text (SQL errors, file paths, upstream \
                 addresses) to anyone who can reach it{ops}"
            )
        }
    };
    Some(format!(
        "{mode} mode listens on {bind}, beyond loopback: {exposed}. For a room, serve prod \
         (`--mode prod`), or keep {mode} on 127.0.0.1 and show it on the projector."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(addr: &str) -> SocketAddr {
        addr.parse().expect("address")
    }

    #[test]
    fn loopback_and_prod_expose_nothing() {
        assert_eq!(beyond_loopback(Mode::Dev, at("127.0.0.1:8080"), None), None);
        assert_eq!(beyond_loopback(Mode::Dev, at("[::1]:8080"), None), None);
        assert_eq!(beyond_loopback(Mode::Prod, at("0.0.0.0:8080"), None), None);
    }

    #[test]
    fn dev_on_a_room_network_names_every_secret_and_the_ops_token() {
        let warning =
            beyond_loopback(Mode::Dev, at("0.0.0.0:8080"), Some(DEV_OPS_TOKEN)).expect("a warning");
        for key in KEYS.iter().filter(|k| k.secret) {
            assert!(warning.contains(key.name), "{}: {warning}", key.name);
        }
        assert!(warning.contains(DEV_OPS_TOKEN), "{warning}");
        assert!(warning.contains("0.0.0.0:8080"), "{warning}");
        let bare = beyond_loopback(Mode::Bare, at("192.0.2.10:80"), Some("a-token-of-our-own!"))
            .expect("a warning");
        assert!(bare.contains("its own text"), "{bare}");
        assert!(!bare.contains(DEV_OPS_TOKEN), "{bare}");
    }
}
