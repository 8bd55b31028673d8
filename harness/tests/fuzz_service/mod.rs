//! A misbehaving HTTP service for the fuzzer's bounds, real HTTP/1.1 on loopback: the
//! kinds of endpoint httpbin has and well-behaved demo-app does not. Every connection is
//! answered once and closed. `/redirect/away` points at a second listener (another
//! origin) that counts the requests it gets: the fuzzer must send it none. The service
//! counts the requests it read too, so two fuzzers can be compared by what the service saw.
//!
//! | route | what it does |
//! |---|---|
//! | `/items/{id}` | 200 JSON at once |
//! | `/delay/{n}` | 200 JSON after `n` seconds (at most 30); not a number: 400 JSON |
//! | `/drip` | 200 with `content-length: 100`, then a byte every 200 ms |
//! | `/stream/endless` | a chunked body of 16 KiB chunks that never ends |
//! | `/bytes/{n}` | `n` bytes with their `content-length`, up to 1 GiB |
//! | `/redirect-to?url=` | 302 to `url` |
//! | `/redirect/away` | 302 to the other origin |
//! | `/status/drop` | closes the connection without a byte |
//! | `/reports/{id}` | 500 with a Python traceback (text/html) |
//! | `POST /forms/login` | 200 JSON when the form has a `user`, else 400 JSON |
//! | `/spec.json` | the Swagger 2.0 document (`swagger.json`) |

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

pub const SPEC: &str = include_str!("swagger.json");

pub const TRACEBACK: &str = "<!doctype html><title>500 Internal Server Error</title><pre>Traceback (most recent call last):\n  File \"/srv/misbehaving/app.py\", line 88, in report\n    return render(rows[0])\nIndexError: list index out of range\n</pre>";

/// The running service: its address, how many requests it read (the spec's fetch
/// included), and how many the other origin received.
pub struct Service {
    pub address: SocketAddr,
    pub requests: Arc<AtomicUsize>,
    pub elsewhere_hits: Arc<AtomicUsize>,
}

/// Starts both listeners on `runtime`.
pub fn start(runtime: &tokio::runtime::Runtime) -> Service {
    let elsewhere = runtime
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("bind loopback");
    let elsewhere_address = elsewhere.local_addr().expect("address");
    let elsewhere_hits = Arc::new(AtomicUsize::new(0));
    let hits = Arc::clone(&elsewhere_hits);
    runtime.spawn(async move {
        while let Ok((mut stream, _)) = elsewhere.accept().await {
            hits.fetch_add(1, Ordering::SeqCst);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                .await;
        }
    });
    let listener = runtime
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("bind loopback");
    let address = listener.local_addr().expect("address");
    let requests = Arc::new(AtomicUsize::new(0));
    let read = Arc::clone(&requests);
    runtime.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer(stream, elsewhere_address, Arc::clone(&read)));
        }
    });
    Service {
        address,
        requests,
        elsewhere_hits,
    }
}

/// Reads one request (head and a `content-length` body), counts it, then answers by its
/// path.
async fn answer(mut stream: TcpStream, elsewhere: SocketAddr, requests: Arc<AtomicUsize>) {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut read = 0;
    let head_end = loop {
        let Ok(n) = stream.read(&mut buffer[read..]).await else {
            return;
        };
        if n == 0 {
            return;
        }
        read += n;
        if let Some(end) = buffer[..read].windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if read == buffer.len() {
            return;
        }
    };
    requests.fetch_add(1, Ordering::SeqCst);
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let mut words = head.split_whitespace();
    let method = words.next().unwrap_or("GET").to_string();
    let target = words.next().unwrap_or("/").to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0)
        .min(buffer.len() - head_end - 4);
    while read < head_end + 4 + length {
        match stream.read(&mut buffer[read..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => read += n,
        }
    }
    let body = String::from_utf8_lossy(&buffer[head_end + 4..head_end + 4 + length]).to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["spec.json"]) => respond(&mut stream, "200 OK", "application/json", SPEC).await,
        ("GET", ["items", _]) => json(&mut stream, "200 OK", "{\"id\":1}").await,
        ("GET", ["delay", n]) => match n.parse::<u64>() {
            Ok(seconds) => {
                tokio::time::sleep(Duration::from_secs(seconds.min(30))).await;
                json(&mut stream, "200 OK", "{\"late\":true}").await;
            }
            Err(_) => {
                json(
                    &mut stream,
                    "400 Bad Request",
                    "{\"error\":\"not a number\"}",
                )
                .await
            }
        },
        ("GET", ["drip"]) => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 100\r\nconnection: close\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for _ in 0..100 {
                tokio::time::sleep(Duration::from_millis(200)).await;
                if stream.write_all(b"*").await.is_err() {
                    return;
                }
            }
        }
        ("GET", ["stream", "endless"]) => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = format!("4000\r\n{}\r\n", " ".repeat(0x4000));
            // Until the client hangs up: the test's own run bounds it.
            while stream.write_all(chunk.as_bytes()).await.is_ok() {}
        }
        ("GET", ["bytes", n]) => {
            let n: u64 = n.parse().unwrap_or(0).min(1 << 30);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {n}\r\nconnection: close\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let block = vec![b'x'; 64 * 1024];
            let mut left = n;
            while left > 0 {
                let take = left.min(block.len() as u64) as usize;
                if stream.write_all(&block[..take]).await.is_err() {
                    return;
                }
                left -= take as u64;
            }
        }
        ("GET", ["redirect-to"]) => {
            let url = query
                .split('&')
                .find_map(|p| p.strip_prefix("url="))
                .unwrap_or("/");
            redirect(&mut stream, url).await;
        }
        ("GET", ["redirect", "away"]) => {
            redirect(&mut stream, &format!("http://{elsewhere}/stolen")).await;
        }
        ("GET", ["status", "drop"]) => drop(stream),
        ("GET", ["reports", _]) => {
            respond(
                &mut stream,
                "500 Internal Server Error",
                "text/html",
                TRACEBACK,
            )
            .await;
        }
        ("POST", ["forms", "login"]) => {
            if body.split('&').any(|p| p.starts_with("user=")) {
                json(&mut stream, "200 OK", "{\"ok\":true}").await;
            } else {
                json(
                    &mut stream,
                    "400 Bad Request",
                    "{\"error\":\"user missing\"}",
                )
                .await;
            }
        }
        _ => json(&mut stream, "404 Not Found", "{\"error\":\"not found\"}").await,
    }
}

async fn json(stream: &mut TcpStream, status: &str, body: &str) {
    respond(stream, status, "application/json", body).await;
}

async fn redirect(stream: &mut TcpStream, location: &str) {
    let response = format!(
        "HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}"
    );
    let _ = stream.write_all(response.as_bytes()).await;
}

async fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
