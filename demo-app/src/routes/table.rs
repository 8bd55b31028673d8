//! The route table. Each route's path and method are read from its handler's
//! `#[utoipa::path]` attribute, and the same table builds the OpenAPI document: the routes
//! served and the routes described cannot drift apart.

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Responder, web};
use utoipa::openapi::path::{HttpMethod, PathItem, Paths, PathsBuilder};
use utoipa::openapi::{RefOr, Schema};

use super::catching_panics;

#[derive(Default)]
pub struct RouteTable {
    /// Path -> its routes, in registration order.
    resources: Vec<(String, Vec<actix_web::Route>)>,
    paths: PathsBuilder,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl RouteTable {
    /// Adds `handler` at the path and methods its `#[utoipa::path]` attribute (`P`, the
    /// `__path_<handler>` type the attribute generates) declares. A GET route answers HEAD
    /// too, as RFC 9110 asks of a server that answers GET.
    pub fn add<P, F, Args>(mut self, handler: F) -> Self
    where
        // `SchemaReferences` is how utoipa's own framework bindings collect the schemas
        // an operation refers to; it is public but documented as internal.
        P: utoipa::Path + utoipa::__dev::SchemaReferences,
        F: Handler<Args> + Clone,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        // OpenAPI writes path parameters as `{id}`, like actix: the same text serves both.
        let path = P::path();
        let index = match self.resources.iter().position(|(p, _)| *p == path) {
            Some(index) => index,
            None => {
                self.resources.push((path, Vec::new()));
                self.resources.len() - 1
            }
        };
        for method in P::methods() {
            let method = actix_method(&method);
            let routes = &mut self.resources[index].1;
            let answers_head = method == Method::GET;
            routes.push(web::route().method(method).to(handler.clone()));
            if answers_head {
                routes.push(web::route().method(Method::HEAD).to(handler.clone()));
            }
        }
        // Unique operation ids and a tag per module, from the handler's own name
        // (`demo_app::routes::books::show` -> `books.show`, tag `books`).
        let name = std::any::type_name::<F>();
        let mut segments = name.rsplit("::");
        let function = segments.next().unwrap_or(name);
        let module = segments.next().unwrap_or("routes");
        let mut operation = P::operation();
        operation.operation_id = Some(format!("{module}.{function}"));
        operation.tags = Some(vec![module.to_string()]);
        for method in P::methods() {
            self.paths = std::mem::take(&mut self.paths)
                .path(P::path(), PathItem::new(method, operation.clone()));
        }
        P::schemas(&mut self.schemas);
        self
    }

    /// Registers every route, each resource with its panic catcher when `catch_panics`
    /// (bare mode registers them without: a panic then drops the connection).
    pub fn register(self, cfg: &mut web::ServiceConfig, catch_panics: bool) {
        for (path, routes) in self.resources {
            let mut resource = web::resource(path);
            for route in routes {
                resource = resource.route(route);
            }
            if catch_panics {
                cfg.service(catching_panics(resource));
            } else {
                cfg.service(resource);
            }
        }
    }

    /// The paths and component schemas, for the OpenAPI document.
    pub fn into_document_parts(self) -> (Paths, Vec<(String, RefOr<Schema>)>) {
        (self.paths.build(), self.schemas)
    }
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}
