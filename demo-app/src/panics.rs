//! Turning a handler panic into an error response.
//!
//! actix-web does not answer a request whose handler panicked: the connection is dropped
//! (curl: "Empty reply from server"; a proxy in front shows 502). `catch` wraps each
//! resource in `catch_unwind`; this module's hook records the panic's message, location
//! and (when the request wants it) a backtrace while the stack is still there, and hands
//! them over through a thread-local: the hook runs on the panicking thread, and
//! `catch_unwind` returns on that same thread.
//!
//! Why per resource and not app-wide: building a response needs the `HttpRequest`, and
//! holding a clone of it before routing makes actix's router panic (it needs the only
//! reference to write the path parameters). After routing, a clone is fine.

use std::any::Any;
use std::backtrace::Backtrace;
use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::sync::Once;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use futures_util::FutureExt as _;

use crate::error::{AppError, PanicDetails};
use crate::request_context;

/// Resource-level middleware: a panic in the handler becomes an `AppError` response,
/// which the response middleware then renders for the mode.
pub async fn catch(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request = req.request().clone();
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(result) => result.map(ServiceResponse::map_into_boxed_body),
        Err(payload) => {
            let (details, backtrace) = take_last(&*payload);
            let error = AppError::from_panic(details, backtrace);
            Ok(ServiceResponse::from_err(error, request))
        }
    }
}

thread_local! {
    static LAST_PANIC: RefCell<Option<(PanicDetails, Option<Backtrace>)>> =
        const { RefCell::new(None) };
}

/// Installs the hook once per process. Panics outside a request (a bug in start-up code,
/// a background thread) still go to the previous hook and print as usual.
pub fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if request_context::current().is_none() {
                previous(info);
                return;
            }
            let details = PanicDetails {
                message: payload_message(info.payload()),
                location: info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())),
                class: crate::flaw::current(),
            };
            let backtrace = request_context::capture_backtrace();
            LAST_PANIC.with(|slot| *slot.borrow_mut() = Some((details, backtrace)));
        }));
    });
}

/// What the hook recorded for the panic just caught on this thread; falls back to the
/// payload alone if the hook was not installed.
pub fn take_last(payload: &(dyn Any + Send)) -> (PanicDetails, Option<Backtrace>) {
    LAST_PANIC
        .with(|slot| slot.borrow_mut().take())
        .unwrap_or_else(|| {
            let details = PanicDetails {
                message: payload_message(payload),
                location: None,
                class: None,
            };
            (details, None)
        })
}

fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any> (a panic payload that is not a string)".to_string()
    }
}
