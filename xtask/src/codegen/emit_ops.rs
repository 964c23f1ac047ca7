//! `generated/ops/*.rs`: one handle per resource, one method and request builder per
//! operation. Requests are built only through `crate::client::Request` and sent with
//! `Client::call_json`/`call_empty`/`call_bytes`.

use std::fmt::Write as _;

use super::emit_models::allowed_doc;
use super::ir::{Ir, Location, OpIr, ParamIr, ResourceIr, Response, Ty};
use super::names::{self, Unit};
use super::{File, header};

pub(crate) fn emit(ir: &Ir) -> Vec<File> {
    let mut files = Vec::new();
    let mut out = header(ir);
    out.push_str(
        "//! The operations of ARI, grouped by resource: `client.channels().answer(&id).await`.\n\
         //!\n\
         //! Each resource has a handle borrowing the [`Client`](crate::Client) (e.g. \
         [`Channels`]); each operation is a method on it taking the required parameters and \
         returning a request builder with one setter per optional parameter. A builder is sent \
         by `.await`ing it or by its `send()` method.\n\
         //!\n\
         //! ```no_run\n\
         //! # async fn run(client: ari_client::Client) -> ari_client::Result<()> {\n\
         //! use std::time::Duration;\n\
         //!\n\
         //! let channel = client\n\
         //!     .channels()\n\
         //!     .originate(\"PJSIP/alice\")\n\
         //!     .app(\"hello\")\n\
         //!     .timeout(Duration::from_secs(20))\n\
         //!     .variable(\"CALLERID(name)\", \"Front desk\")\n\
         //!     .await?;\n\
         //! let bridge = client.bridges().create().bridge_type(\"mixing\").await?;\n\
         //! client.bridges().add_channel(&bridge.id, [&channel.id]).await?;\n\
         //! match client.channels().answer(\"no-such-channel\").await {\n\
         //!     Err(e) if e.is_not_found() => {}\n\
         //!     other => other?,\n\
         //! }\n\
         //! # Ok(()) }\n\
         //! ```\n\n",
    );
    for r in &ir.resources {
        writeln!(out, "pub mod {};", names::resource_module(&r.name)).ok();
    }
    out.push('\n');
    for r in &ir.resources {
        writeln!(
            out,
            "pub use {}::{};",
            names::resource_module(&r.name),
            names::resource_handle(&r.name)
        )
        .ok();
    }
    out.push_str(
        "\n/// The future of a request builder: what `.await` on it runs.\n\
         pub type ResponseFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = crate::Result<T>> + Send + 'a>>;\n",
    );
    files.push(File::new("ops/mod.rs", out));
    for r in &ir.resources {
        files.push(File::new(
            format!("ops/{}.rs", names::resource_module(&r.name)),
            emit_resource(ir, r),
        ));
    }
    files
}

fn emit_resource(ir: &Ir, r: &ResourceIr) -> String {
    let handle = names::resource_handle(&r.name);
    let accessor = names::client_accessor(&r.name);
    let mut out = header(ir);
    writeln!(
        out,
        "//! The `{res}` resource: [`{handle}`], from [`Client::{accessor}`](crate::Client::{accessor}).\n",
        res = r.name
    )
    .ok();
    writeln!(
        out,
        "/// The {n} operations of the `{res}` resource (`{res}.json`).\n\
         ///\n/// Borrowed from a client by [`Client::{accessor}`](crate::Client::{accessor}).\n\
         #[derive(Debug, Clone, Copy)]\npub struct {handle}<'a> {{\nclient: &'a crate::Client,\n}}\n\n\
         impl crate::Client {{\n\
         /// The operations of the `{res}` resource: see [`{handle}`].\n\
         pub fn {accessor}(&self) -> {handle}<'_> {{\n{handle} {{ client: self }}\n}}\n}}\n",
        n = r.ops.len(),
        res = r.name
    )
    .ok();
    writeln!(out, "impl<'a> {handle}<'a> {{").ok();
    for op in &r.ops {
        emit_method(&mut out, op);
    }
    out.push_str("}\n\n");
    for op in &r.ops {
        if op.response != Response::WebSocket {
            emit_builder(&mut out, op);
        }
    }
    out
}

fn param_doc(p: &ParamIr) -> String {
    let mut doc = match (p.location, &p.ty) {
        (Location::Body, Ty::StringMap) => {
            format!("body `{{\"{}\": {{...}}}}`: {}", p.spec_name, p.ty.doc())
        }
        (Location::Body, Ty::List(_)) => {
            format!("body `{{\"{}\": [...]}}`: {}", p.spec_name, p.ty.doc())
        }
        (Location::Body, _) => format!("the request body (`{}`): {}", p.spec_name, p.ty.doc()),
        (location, Ty::List(inner)) => format!(
            "{} parameter `{}`: list of {}, sent comma-separated",
            location_name(location),
            p.spec_name,
            inner.doc()
        ),
        (location, ty) => format!(
            "{} parameter `{}`: {}",
            location_name(location),
            p.spec_name,
            ty.doc()
        ),
    };
    doc.push('.');
    if let Some(default) = &p.default {
        match &p.ty {
            Ty::Duration(d) => write!(doc, " Default {default} {}.", d.unit.name()),
            _ => write!(doc, " Default `{default}`."),
        }
        .ok();
    }
    if let Ty::Duration(d) = &p.ty
        && let Some(unlimited) = d.unlimited
    {
        write!(
            doc,
            " `{unlimited}` (no limit) is sent by `no_{}()`.",
            p.rust_name
        )
        .ok();
    }
    if let Some(allowed) = allowed_doc(&p.allowed) {
        write!(doc, " {allowed}").ok();
    }
    doc
}

fn location_name(location: Location) -> &'static str {
    match location {
        Location::Path => "path",
        Location::Query => "query",
        Location::Body => "body",
    }
}

fn response_doc(op: &OpIr) -> String {
    match &op.response {
        Response::Empty => "Answers nothing (`()`).".to_owned(),
        Response::Bytes => "Answers the raw bytes of the body (`Vec<u8>`).".to_owned(),
        Response::Json(ty) => format!("Answers {} (`{}`).", ty.doc(), op.response_class),
        Response::WebSocket => "Upgrades to the event WebSocket.".to_owned(),
    }
}

fn response_type(op: &OpIr) -> String {
    match &op.response {
        Response::Empty | Response::WebSocket => "()".to_owned(),
        Response::Bytes => "Vec<u8>".to_owned(),
        Response::Json(ty) => ty.rust(),
    }
}

fn errors_doc(op: &OpIr) -> Option<String> {
    (!op.errors.is_empty()).then(|| {
        let mut doc = String::from(
            "Documented errors (in [`ApiError::documented`](crate::ApiError::documented)):\n",
        );
        for (code, reason) in &op.errors {
            writeln!(doc, "- `{code}`: {}", reason.trim_end_matches('.')).ok();
        }
        doc
    })
}

fn doc_lines(out: &mut String, text: &str) {
    for line in text.lines() {
        if line.is_empty() {
            out.push_str("///\n");
        } else {
            writeln!(out, "/// {line}").ok();
        }
    }
}

/// The argument type of a required parameter.
fn arg_type(ty: &Ty) -> String {
    match ty {
        Ty::String => "impl Into<String>".to_owned(),
        Ty::Id(_) | Ty::Enum(_) | Ty::Model(_) => format!("impl Into<{}>", ty.rust()),
        Ty::List(inner) => format!("impl IntoIterator<Item = {}>", arg_type(inner)),
        Ty::StringMap => {
            "impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>".to_owned()
        }
        other => other.rust(),
    }
}

/// The query-string form of `expr`, an argument of type `arg_type(ty)`.
fn query_value(expr: &str, ty: &Ty) -> String {
    match ty {
        Ty::String => format!("Into::<String>::into({expr})"),
        Ty::Id(_) => format!("Into::<{}>::into({expr}).into_string()", ty.rust()),
        Ty::Enum(_) => format!("Into::<{}>::into({expr}).as_str().to_owned()", ty.rust()),
        Ty::Bool | Ty::Int | Ty::Float => format!("{expr}.to_string()"),
        Ty::Duration(d) => match d.unit {
            Unit::Seconds => format!("{expr}.as_secs().to_string()"),
            Unit::Milliseconds => format!("{expr}.as_millis().to_string()"),
        },
        Ty::List(inner) => format!(
            "{expr}.into_iter().map(|v| {}).collect::<Vec<String>>().join(\",\")",
            query_value("v", inner)
        ),
        // Not used in queries by the spec; sent as JSON text.
        Ty::Timestamp | Ty::Json | Ty::StringMap | Ty::Model(_) => {
            format!("crate::params::json(&{expr}).to_string()")
        }
    }
}

/// The statement storing parameter `p` from `expr` into `req` (a `Request`).
fn store(p: &ParamIr, expr: &str) -> String {
    let name = &p.spec_name;
    match p.location {
        Location::Query => format!(
            "crate::params::set_query(&mut {{req}}.query, \"{name}\", {});",
            query_value(expr, &p.ty)
        ),
        Location::Body => match &p.ty {
            Ty::StringMap => format!(
                "crate::params::set_body_field(&mut {{req}}.body, \"{name}\", crate::params::string_map({expr}));"
            ),
            Ty::List(_) => format!(
                "crate::params::set_body_field(&mut {{req}}.body, \"{name}\", serde_json::Value::Array({expr}.into_iter().map(|v| crate::params::json(&Into::<{}>::into(v))).collect()));",
                super::ir::base(&p.ty).rust()
            ),
            _ => format!("{{req}}.body = Some(crate::params::json(&{expr}));"),
        },
        Location::Path => String::new(),
    }
}

/// Whether `op`'s body is one optional parameter that is the whole body (not a named field
/// such as `variables`), e.g. an application's event filter.
fn whole_optional_body(op: &OpIr) -> bool {
    op.params.iter().any(|p| {
        p.location == Location::Body && !p.required && !matches!(p.ty, Ty::StringMap | Ty::List(_))
    })
}

fn path_expr(op: &OpIr) -> String {
    let mut template = String::new();
    let mut args = Vec::new();
    let mut rest = op.path.trim_start_matches('/');
    while let Some(start) = rest.find('{') {
        template.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let spec_name = &rest[start + 1..start + end];
        let param = op.params.iter().find(|p| p.spec_name == spec_name);
        let rust = param.map_or_else(|| names::snake(spec_name), |p| p.rust_name.clone());
        let arg = match param.map(|p| &p.ty) {
            Some(Ty::Id(_)) => format!("{rust}.as_str()"),
            _ => format!("&{rust}"),
        };
        template.push_str("{}");
        args.push(format!("crate::client::encode_segment({arg})"));
        rest = &rest[start + end + 1..];
    }
    template.push_str(rest);
    if args.is_empty() {
        format!("String::from({template:?})")
    } else {
        format!("format!({template:?}, {})", args.join(", "))
    }
}

fn emit_method(out: &mut String, op: &OpIr) {
    let method = names::method_name(&op.resource, &op.nickname);
    let url = names::docs_url(&op.resource, &op.nickname);
    let mut doc = String::new();
    if let Some(summary) = names::summary(&op.resource, &op.nickname) {
        writeln!(doc, "{summary}\n").ok();
    }
    writeln!(
        doc,
        "`{} {}` (`{}.{}`).",
        op.method.to_ascii_uppercase(),
        op.path,
        op.resource,
        op.nickname
    )
    .ok();
    if op.response == Response::WebSocket {
        let app = op
            .params
            .iter()
            .find(|p| p.required)
            .map_or("app".to_owned(), |p| p.rust_name.clone());
        write!(
            doc,
            "\nThe event WebSocket: this is [`Client::events`](crate::Client::events), which \
             reads the socket and decodes every frame into an [`Event`](crate::Event). \
             Parameters:\n"
        )
        .ok();
        for p in &op.params {
            writeln!(doc, "- {}", param_doc(p)).ok();
        }
        write!(
            doc,
            "\nOptional parameters are set on the returned \
             [`EventStreamBuilder`](crate::events::EventStreamBuilder) \
             (`subscribeAll`: [`subscribe_all`](crate::events::EventStreamBuilder::subscribe_all)).\n\n\
             [Asterisk's documentation]({url})"
        )
        .ok();
        doc_lines(out, &doc);
        writeln!(
            out,
            "pub fn {method}(&self, {app}: impl IntoIterator<Item = impl Into<crate::ids::ApplicationName>>) -> crate::events::EventStreamBuilder {{\n\
             self.client.events({app}.into_iter().map(|a| a.into().into_string()))\n}}\n"
        )
        .ok();
        return;
    }
    let builder = names::request_type(&op.resource, &op.nickname);
    let required: Vec<&ParamIr> = op.params.iter().filter(|p| p.required).collect();
    let optional = op.params.iter().filter(|p| !p.required).count();
    if !required.is_empty() {
        doc.push_str("\nRequired parameters:\n");
        for p in &required {
            writeln!(doc, "- `{}`: {}", p.rust_name, param_doc(p)).ok();
        }
    }
    if optional > 0 {
        if optional == 1 {
            writeln!(
                doc,
                "\nThe optional parameter is set on the returned [`{builder}`]."
            )
        } else {
            writeln!(
                doc,
                "\nThe {optional} optional parameters are set on the returned [`{builder}`]."
            )
        }
        .ok();
    }
    writeln!(doc, "\n{}", response_doc(op)).ok();
    if let Some(errors) = errors_doc(op) {
        write!(doc, "\n{errors}").ok();
    }
    write!(doc, "\n[Asterisk's documentation]({url})").ok();
    doc_lines(out, &doc);
    let args: Vec<String> = required
        .iter()
        .map(|p| format!("{}: {}", p.rust_name, arg_type(&p.ty)))
        .collect();
    writeln!(
        out,
        "pub fn {method}(&self{}{}) -> {builder}<'a> {{",
        if args.is_empty() { "" } else { ", " },
        args.join(", ")
    )
    .ok();
    // Path parameters first, converted to their types.
    for p in op.params.iter().filter(|p| p.location == Location::Path) {
        writeln!(
            out,
            "let {n}: {t} = {n}.into();",
            n = p.rust_name,
            t = p.ty.rust()
        )
        .ok();
    }
    let errors: Vec<String> = op
        .errors
        .iter()
        .map(|(code, reason)| format!("({code}, {reason:?})"))
        .collect();
    writeln!(
        out,
        "let {mutable}req = crate::client::Request::new(\"{res}.{nick}\", crate::Method::{m}, \"{path}\", {p}, &[{e}]);",
        res = op.resource,
        nick = op.nickname,
        m = op.method,
        path = op.path,
        p = path_expr(op),
        e = errors.join(", "),
        mutable = if required.iter().any(|p| p.location != Location::Path)
            || whole_optional_body(op)
        {
            "mut "
        } else {
            ""
        },
    )
    .ok();
    if whole_optional_body(op) {
        // Over HTTP an absent body means an empty one; over the WebSocket Asterisk refuses a
        // missing body (400), so send the empty object on both.
        writeln!(out, "req.body = Some(serde_json::json!({{}}));").ok();
    }
    for p in required.iter().filter(|p| p.location != Location::Path) {
        writeln!(out, "{}", store(p, &p.rust_name).replace("{req}", "req")).ok();
    }
    writeln!(out, "{builder} {{ client: self.client, req }}\n}}\n").ok();
}

fn emit_builder(out: &mut String, op: &OpIr) {
    let builder = names::request_type(&op.resource, &op.nickname);
    let method = names::method_name(&op.resource, &op.nickname);
    let handle = names::resource_handle(&op.resource);
    let output = response_type(op);
    writeln!(
        out,
        "/// The request of `{m} {path}` (`{res}.{nick}`), from [`{handle}::{method}`].\n\
         ///\n/// Set optional parameters, then `.await` it (or call [`send`](Self::send)).\n\
         #[must_use = \"a request does nothing until it is awaited or sent\"]\n\
         #[derive(Debug, Clone)]\npub struct {builder}<'a> {{\nclient: &'a crate::Client,\nreq: crate::client::Request,\n}}\n\n\
         impl<'a> {builder}<'a> {{",
        m = op.method.to_ascii_uppercase(),
        path = op.path,
        res = op.resource,
        nick = op.nickname,
    )
    .ok();
    for p in op.params.iter().filter(|p| !p.required) {
        emit_setter(out, op, p);
    }
    let call = match op.response {
        Response::Empty => "call_empty(req)".to_owned(),
        Response::Bytes => "call_bytes(req)".to_owned(),
        _ => format!("call_json::<{output}>(req)"),
    };
    writeln!(
        out,
        "/// Sends the request. {resp}\n\
         pub async fn send(self) -> crate::Result<{output}> {{\n\
         let Self {{ client, req }} = self;\nclient.{call}.await\n}}\n\n\
         /// The request as built so far.\n\
         #[cfg(test)]\n#[allow(dead_code, reason = \"used by the tests of some operations only\")]\n\
         pub(crate) fn request(&self) -> &crate::client::Request {{\n&self.req\n}}\n}}\n\n\
         impl<'a> std::future::IntoFuture for {builder}<'a> {{\n\
         type Output = crate::Result<{output}>;\n\
         type IntoFuture = super::ResponseFuture<'a, {output}>;\n\n\
         fn into_future(self) -> Self::IntoFuture {{\nBox::pin(self.send())\n}}\n}}\n",
        resp = response_doc(op),
    )
    .ok();
}

fn emit_setter(out: &mut String, op: &OpIr, p: &ParamIr) {
    let name = &p.rust_name;
    let doc = format!("Sets the {}", param_doc(p));
    doc_lines(out, &doc);
    writeln!(
        out,
        "pub fn {name}(mut self, {name}: {}) -> Self {{\n{}\nself\n}}\n",
        arg_type(&p.ty),
        store(p, name).replace("{req}", "self.req")
    )
    .ok();
    if let Ty::Duration(d) = &p.ty
        && let Some(unlimited) = d.unlimited
    {
        writeln!(
            out,
            "/// Sends `{spec}={unlimited}`: no limit.\n\
             pub fn no_{name}(mut self) -> Self {{\n\
             crate::params::set_query(&mut self.req.query, \"{spec}\", \"{unlimited}\".to_owned());\nself\n}}\n",
            spec = p.spec_name
        )
        .ok();
    }
    if p.location == Location::Body
        && names::is_event_filter(&op.resource, &op.nickname, &p.spec_name)
    {
        for (setter, field) in [("allowed", "allowed"), ("disallowed", "disallowed")] {
            writeln!(
                out,
                "/// Sets `{field}` of the filter to these event types: sends \
                 `{{\"{field}\": [{{\"type\": ...}}, ...]}}`, keeping the rest of the filter.\n\
                 pub fn {setter}(mut self, event_types: impl IntoIterator<Item = impl Into<String>>) -> Self {{\n\
                 crate::params::set_body_field(&mut self.req.body, \"{field}\", crate::params::event_types(event_types));\nself\n}}\n"
            )
            .ok();
        }
    }
    // One-at-a-time adders for body maps and lists.
    let singular = name.strip_suffix('s').unwrap_or(name);
    match (&p.ty, p.location) {
        (Ty::StringMap, Location::Body) if singular != name => {
            writeln!(
                out,
                "/// Adds one entry to `{spec}` (see [`{name}`](Self::{name})).\n\
                 pub fn {singular}(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {{\n\
                 crate::params::insert_body_entry(&mut self.req.body, \"{spec}\", name.into(), serde_json::Value::String(value.into()));\nself\n}}\n",
                spec = p.spec_name
            )
            .ok();
        }
        (Ty::List(inner), Location::Body) if singular != name => {
            writeln!(
                out,
                "/// Adds one element to `{spec}` (see [`{name}`](Self::{name})).\n\
                 pub fn {singular}(mut self, {singular}: impl Into<{t}>) -> Self {{\n\
                 crate::params::push_body_element(&mut self.req.body, \"{spec}\", crate::params::json(&Into::<{t}>::into({singular})));\nself\n}}\n",
                spec = p.spec_name,
                t = inner.rust()
            )
            .ok();
        }
        _ => {}
    }
}
