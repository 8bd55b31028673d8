//! A loopback address where nothing listens, by construction rather than by luck: a port
//! this process keeps bound, without ever listening, for as long as the value lives.
//!
//! Asking the OS for a free port and closing it again hands out an address anyone may take
//! next: an app of the same run, starting at the same moment, did, and answered the
//! "nothing listens here" lesson with a 404. A socket that is bound but not listening
//! refuses every connection: on Linux, macOS and the BSDs the SYN is answered with a reset
//! at once (`Connection refused`, os error 111 on Linux, 61 on macOS); Windows retries a
//! refused connect for about two seconds before it reports `WSAECONNREFUSED` (10061). No
//! other socket can bind the port while it is held (it is bound without `SO_REUSEADDR`),
//! the OS never picks it for a port-0 bind or as an outgoing connection's source port, and
//! it is released when the value is dropped.

use std::net::SocketAddr;

use tokio::net::TcpSocket;

/// A held loopback port that refuses connections.
#[derive(Debug)]
pub struct RefusingPort {
    /// Held only: the port is the socket's for as long as it lives.
    _socket: TcpSocket,
    address: SocketAddr,
}

impl RefusingPort {
    /// Binds a free loopback port and keeps it, never listening.
    pub fn bind() -> std::io::Result<RefusingPort> {
        let socket = TcpSocket::new_v4()?;
        // Explicitly off (the default): with SO_REUSEADDR on both sides, Linux lets a
        // second non-listening socket share the port, and its `listen` would take it over.
        socket.set_reuseaddr(false)?;
        socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let address = socket.local_addr()?;
        Ok(RefusingPort {
            _socket: socket,
            address,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:PORT`
    pub fn http_url(&self) -> String {
        format!("http://{}", self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::RefusingPort;

    #[tokio::test]
    async fn it_refuses_every_connection_and_cannot_be_taken_while_held() {
        let held = RefusingPort::bind().expect("a bound socket");
        let address = held.address();
        for _ in 0..3 {
            let refused = tokio::net::TcpStream::connect(address)
                .await
                .expect_err("nothing listens");
            assert_eq!(
                refused.kind(),
                std::io::ErrorKind::ConnectionRefused,
                "{refused}"
            );
        }
        // Neither a listener asking for that very port nor the OS's free-port choice gets it.
        assert!(
            std::net::TcpListener::bind(address).is_err(),
            "{address} bound twice"
        );
        let others: Vec<std::net::TcpListener> = (0..200)
            .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("a free port"))
            .collect();
        assert!(others.iter().all(|l| l.local_addr().ok() != Some(address)));
        drop(held);
    }
}
