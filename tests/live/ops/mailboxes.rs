//! `mailboxes`: Debian's Asterisk 22 is built without `res_ari_mailboxes`, so each operation
//! meets Asterisk's answer for an unknown resource, 404 "Resource not found".

use super::support::{Ctx, assert_status, both_transports};

pub(super) const CALLS: &[&str] = &[
    "mailboxes.list",
    "mailboxes.get",
    "mailboxes.update",
    "mailboxes.delete",
];

both_transports!("mailboxes");

async fn exercise(ctx: &mut Ctx) {
    let mailboxes = ctx.client.mailboxes();
    let name = format!("{}@sandbox", ctx.app);
    let missing = "Resource not found";
    assert_eq!(assert_status(mailboxes.list().await, 404), missing);
    assert_eq!(
        assert_status(mailboxes.update(name.as_str(), 1, 2).await, 404),
        missing
    );
    assert_eq!(
        assert_status(mailboxes.get(name.as_str()).await, 404),
        missing
    );
    assert_eq!(
        assert_status(mailboxes.delete(name.as_str()).await, 404),
        missing
    );
    // The module is absent indeed, not merely the mailbox.
    let modules = ctx.client.asterisk().list_modules().await.unwrap();
    assert!(modules.iter().any(|m| m.name == "res_ari.so"));
    assert!(!modules.iter().any(|m| m.name == "res_ari_mailboxes.so"));
}
