//! `sounds`: the sound files Asterisk has.

use super::support::{Ctx, assert_status, both_transports};

pub(super) const CALLS: &[&str] = &["sounds.list", "sounds.get"];

both_transports!("sounds");

async fn exercise(ctx: &mut Ctx) {
    let sounds = ctx.client.sounds();
    let all = sounds.list().await.unwrap();
    assert!(all.len() > 100, "{} sounds", all.len());
    let hello = all
        .iter()
        .find(|s| s.id == "hello-world")
        .expect("hello-world is installed");
    assert!(
        hello
            .formats
            .iter()
            .any(|f| f.language == "en" && f.format == "gsm"),
        "{hello:?}"
    );

    let gsm_en = sounds.list().lang("en").format("gsm").await.unwrap();
    assert!(gsm_en.iter().any(|s| s.id == "hello-world"));
    assert!(gsm_en.iter().all(|s| {
        s.formats
            .iter()
            .any(|f| f.language == "en" && f.format == "gsm")
    }));
    // No match is an error (404, which the spec does not document).
    let message = assert_status(sounds.list().lang("xx").await, 404);
    assert_eq!(message, "No sounds found that matched the query");

    let got = sounds.get("hello-world").await.unwrap();
    assert_eq!(got.id, "hello-world");
    assert_eq!(got.formats.len(), hello.formats.len());
    // A sound in a subdirectory.
    let digit = sounds.get("digits/1").await.unwrap();
    assert_eq!(digit.id, "digits/1");
    assert_status(sounds.get("no-such-sound").await, 404);
}
