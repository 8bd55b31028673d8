//! `GET /openapi.json`: the API description, generated from the handlers' `#[utoipa::path]`
//! attributes through the route table (see `table.rs`). Served in every mode: it describes
//! the API, not the server (no versions beyond the API's own, no paths, no settings).

use std::sync::OnceLock;

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder};

/// The security scheme the ops routes name in their `security(...)` attribute.
pub const OPS_SECURITY: &str = "ops_token";

/// The whole document, built once.
pub fn document() -> &'static OpenApi {
    static DOCUMENT: OnceLock<OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let (paths, schemas) = super::table().into_document_parts();
        let components = ComponentsBuilder::new()
            .schemas_from_iter(schemas)
            .security_scheme(
                OPS_SECURITY,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(
                            "The server's ops_token (setting `ops_token`, DEMO_APP_OPS_TOKEN).",
                        ))
                        .build(),
                ),
            )
            .build();
        OpenApiBuilder::new()
            .info(
                InfoBuilder::new()
                    .title("Crash Course Books")
                    .version("1")
                    .description(Some(
                        "The lab's bookshop. Errors are RFC 9457 problem details \
                         (application/problem+json) with a correlation_id in prod.",
                    ))
                    .build(),
            )
            .paths(paths)
            .components(Some(components))
            .build()
    })
}

/// The OpenAPI 3.1 description of every route this server answers.
#[utoipa::path(
    get,
    path = "/openapi.json",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
pub async fn serve() -> HttpResponse {
    static JSON: OnceLock<String> = OnceLock::new();
    let json = JSON.get_or_init(|| {
        // Serialising a document built from our own types cannot fail; an empty object
        // would still be valid JSON if it ever did.
        document().to_json().unwrap_or_else(|_| "{}".to_string())
    });
    HttpResponse::Ok()
        .content_type("application/json")
        .body(json.as_str())
}
