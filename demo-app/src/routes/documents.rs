//! `/orders/{id}/invoice`, `/orders/{id}/invoice/print` and `/orders/{id}/receipt`:
//! documents for a placed order. Teach config.missing-file, config.missing-dependency and
//! config.missing-env: settings, and a program, that dev only looks at when the first
//! customer needs them.

use actix_web::{HttpResponse, web};
use anyhow::Context as _;
use serde::Serialize;

use crate::error::{AppError, DbResultExt as _};
use crate::flaw;
use crate::state::AppState;

struct OrderDetails {
    id: i64,
    quantity: i64,
    total_cents: i64,
    placed_on: String,
    customer: String,
    title: String,
}

const ORDER_SQL: &str = "SELECT o.id, o.quantity, o.total_cents, o.placed_on, c.name, b.title \
     FROM orders o JOIN customers c ON c.id = o.customer_id JOIN books b ON b.id = o.book_id \
     WHERE o.id = $1";

async fn order(state: &AppState, id: i64) -> Result<OrderDetails, AppError> {
    type Row = (i64, i64, i64, String, String, String);
    let row: Option<Row> = sqlx::query_as(ORDER_SQL)
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await
        .or_db_error(ORDER_SQL, "Failed to load the order")?;
    let (id, quantity, total_cents, placed_on, customer, title) =
        row.ok_or_else(|| AppError::not_found(format!("order {id} does not exist")))?;
    Ok(OrderDetails {
        id,
        quantity,
        total_cents,
        placed_on,
        customer,
        title,
    })
}

#[utoipa::path(get, path = "/orders/{id}/invoice", params(("id" = i64, Path, description = "The order's id", example = 1)),
    responses((status = 200, description = "The invoice as text", content_type = "text/plain"),
              (status = 404, description = "No such order", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn invoice(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let order = order(&state, id.into_inner()).await?;
    let Some(path) = &state.settings.invoice_template else {
        return Ok(invoice_text(BUILT_IN_INVOICE_TEMPLATE, &order));
    };
    // DELIBERATE (config.missing-file): the template is read on the first invoice, not
    // checked at start-up. With a wrong `invoice_template` dev starts happily and every
    // invoice fails with "No such file or directory (os error 2)", the absolute path in
    // the error for anyone to read. prod checks the file before it starts (exit 78). The
    // fix: validate configured files at start-up, and keep paths out of error bodies.
    let flaw = flaw::arm("config.missing-file");
    let template = std::fs::read_to_string(path)
        .with_context(|| format!("Failed to read the invoice template {path}"))?;
    drop(flaw);
    Ok(invoice_text(&template, &order))
}

/// The template used when `invoice_template` is unset: inside the binary, so a build
/// copied to another machine renders invoices without the source tree.
const BUILT_IN_INVOICE_TEMPLATE: &str = include_str!("../../templates/invoice.txt");

fn invoice_text(template: &str, order: &OrderDetails) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(filled_invoice(template, order))
}

fn filled_invoice(template: &str, order: &OrderDetails) -> String {
    template
        .replace("{{order_id}}", &order.id.to_string())
        .replace("{{customer}}", &order.customer)
        .replace("{{date}}", &order.placed_on)
        .replace("{{quantity}}", &order.quantity.to_string())
        .replace("{{title}}", &order.title)
        .replace(
            "{{total}}",
            &format!("{}.{:02}", order.total_cents / 100, order.total_cents % 100),
        )
}

#[utoipa::path(get, path = "/orders/{id}/invoice/print", params(("id" = i64, Path, description = "The order's id", example = 1)),
    responses((status = 200, description = "The invoice for the print shop: the converter's PDF, or plain text when no converter is configured", content_type = "application/pdf"),
              (status = 404, description = "No such order", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn invoice_print(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let order = order(&state, id.into_inner()).await?;
    // The built-in template: the printed invoice does not depend on `invoice_template`
    // (config.missing-file's lesson stays on /orders/{id}/invoice).
    let text = filled_invoice(BUILT_IN_INVOICE_TEMPLATE, &order);
    let Some(program) = &state.settings.invoice_converter else {
        return Ok(HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(text));
    };
    // DELIBERATE (config.missing-dependency): the converter is looked for when the first
    // invoice is printed, not at start-up. Named by `invoice_converter` but not installed
    // on this host, every print fails with "No such file or directory (os error 2)": dev
    // shows the program's path and the OS error, prod a generic 500 (the fault is the
    // deployment's and retrying will not help, so not 503), while the app looks healthy.
    // The fix: look the program up at start-up and refuse to start (exit 78) naming the
    // setting and the missing file.
    let _flaw = flaw::arm("config.missing-dependency");
    let pdf = crate::converter::convert(program, text.into_bytes())
        .await
        .with_context(|| format!("Failed to print the invoice of order {}", order.id))?;
    Ok(HttpResponse::Ok().content_type("application/pdf").body(pdf))
}

/// Pages of the rendered PDF; the render checks its deadline between pages.
const PDF_PAGES: u64 = 10;

#[utoipa::path(get, path = "/orders/{id}/invoice.pdf", params(("id" = i64, Path, description = "The order's id", example = 1)),
    responses((status = 200, description = "The invoice as a PDF", content_type = "application/pdf"),
              (status = 404, description = "No such order", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn invoice_pdf(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let order = order(&state, id.into_inner()).await?;
    // What resource/worker-blocked.toml waits for before it sends the next request (its
    // `after_log`): this render has its worker from here on, on any machine. A fix keeps
    // this line, or the scenario cannot stage its race.
    tracing::info!(
        order_id = order.id,
        "rendering order {}'s invoice PDF",
        order.id
    );
    let started = std::time::Instant::now();
    let page_time = std::time::Duration::from_millis(state.settings.pdf_render_ms / PDF_PAGES);
    let deadline = std::time::Duration::from_millis(state.settings.pdf_deadline_ms);
    let mut pdf = format!("%PDF-1.4\n% invoice {} for {}\n", order.id, order.customer).into_bytes();
    for page in 1..=PDF_PAGES {
        // DELIBERATE (resource.worker-blocked): the rendering library is synchronous and
        // runs right here, on the async worker thread (the sleep stands for its blocking
        // call). While it runs, this worker serves nothing else: with as many renders in
        // flight as workers, even /healthz waits. The fix: `web::block` (or
        // tokio::task::spawn_blocking) moves the work to the blocking pool, with a timeout.
        std::thread::sleep(page_time);
        pdf.extend_from_slice(format!("% page {page}\n").as_bytes());
        // Handling the failure is the mode's business: prod bounds the blocking work and
        // answers 503 rather than holding the worker for as long as the render takes.
        if state.settings.mode == crate::settings::Mode::Prod && started.elapsed() > deadline {
            return Err(AppError::new(
                crate::error::ErrorKind::Unavailable,
                anyhow::anyhow!(
                    "PDF rendering of order {} passed its {} ms deadline at page {page}",
                    order.id,
                    deadline.as_millis()
                ),
            )
            .in_class("resource.worker-blocked"));
        }
    }
    pdf.extend_from_slice(b"%%EOF\n");
    Ok(HttpResponse::Ok().content_type("application/pdf").body(pdf))
}

/// What the caller learns: that the receipt is on its way. Not to whom, nor through which
/// relay: this route has no credentials, and an order id is easy to guess.
#[derive(Serialize)]
struct Receipt {
    order_id: i64,
    status: &'static str,
}

#[utoipa::path(post, path = "/orders/{id}/receipt", params(("id" = i64, Path, description = "The order's id", example = 1)),
    responses((status = 202, description = "The receipt is queued for the mail relay"),
              (status = 404, description = "No such order", content_type = "application/problem+json", body = crate::render::Problem)))]
pub async fn receipt(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let order = order(&state, id.into_inner()).await?;
    // DELIBERATE (config.missing-env): the mail server is looked up when the first
    // receipt is sent. Nobody set DEMO_APP_SMTP_URL, dev started anyway, and now each
    // receipt is a 500 that dumps the settings. prod refuses to start without it. The fix:
    // required settings are checked at start-up, with a message naming the variable.
    let _flaw = flaw::arm("config.missing-env");
    let smtp_url = state
        .settings
        .smtp_url
        .as_deref()
        .context("Failed to send the receipt: smtp_url (DEMO_APP_SMTP_URL) is not set")?;
    let relay = reqwest::Url::parse(smtp_url)
        .with_context(|| format!("Failed to parse smtp_url {smtp_url}"))?;
    // Receipts are queued for the relay; delivery is the mail system's job.
    tracing::info!(
        order_id = order.id,
        relay = relay.host_str().unwrap_or(""),
        "receipt queued"
    );
    Ok(HttpResponse::Accepted().json(Receipt {
        order_id: order.id,
        status: "queued",
    }))
}
