//! `asterisk`: system information, modules, log channels, global variables and dynamic
//! configuration objects.

use std::time::Duration;

use ari_client::models::{AsteriskInfoSection, ConfigTuple};

use super::support::{Ctx, assert_status, both_transports, eventually, instance_dir};

pub(super) const CALLS: &[&str] = &[
    "asterisk.getInfo",
    "asterisk.ping",
    "asterisk.listModules",
    "asterisk.getModule",
    "asterisk.loadModule",
    "asterisk.unloadModule",
    "asterisk.reloadModule",
    "asterisk.listLogChannels",
    "asterisk.addLog",
    "asterisk.rotateLog",
    "asterisk.deleteLog",
    "asterisk.getGlobalVar",
    "asterisk.setGlobalVar",
    "asterisk.updateObject",
    "asterisk.getObject",
    "asterisk.deleteObject",
];

both_transports!("asterisk");

/// Module loading is global: the two transports' runs take turns.
static MODULES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Log channels are global too.
static LOGGING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn exercise(ctx: &mut Ctx) {
    info_and_ping(ctx).await;
    modules(ctx).await;
    log_channels(ctx).await;
    global_variables(ctx).await;
    dynamic_config(ctx).await;
}

async fn info_and_ping(ctx: &mut Ctx) {
    let asterisk = ctx.client.asterisk();
    let info = asterisk.get_info().await.unwrap();
    let system = info.system.unwrap();
    assert!(system.version.starts_with("22."), "{}", system.version);
    assert!(info.build.is_some() && info.config.is_some() && info.status.is_some());

    let only = asterisk
        .get_info()
        .only([AsteriskInfoSection::Build, AsteriskInfoSection::Status])
        .await
        .unwrap();
    assert!(only.build.is_some() && only.status.is_some());
    assert!(only.system.is_none() && only.config.is_none(), "{only:?}");

    let ping = asterisk.ping().await.unwrap();
    assert_eq!(ping.ping, "pong");
    assert_eq!(ping.asterisk_id, system.entity_id);
}

async fn modules(ctx: &mut Ctx) {
    let asterisk = ctx.client.asterisk();
    let modules = asterisk.list_modules().await.unwrap();
    for name in [
        "res_ari.so",
        "res_stasis.so",
        "app_stasis.so",
        "chan_pjsip.so",
    ] {
        let module = modules
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("{name} not listed"));
        assert_eq!(module.status, "Running", "{module:?}");
    }
    let playback = asterisk.get_module("app_playback.so").await.unwrap();
    assert_eq!(playback.description, "Sound File Playback Application");
    assert_status(asterisk.get_module("no_such_module.so").await, 404);

    let _turn = MODULES.lock().await;

    // Reloading app_playback (it re-reads say.conf) moves Asterisk's last reload time.
    let before = last_reload(ctx).await;
    asterisk.reload_module("app_playback.so").await.unwrap();
    let after = last_reload(ctx).await;
    assert!(after > before, "last reload {before} -> {after}");
    let message = assert_status(asterisk.reload_module("func_rand.so").await, 409);
    assert_eq!(message, "Module does not support reloading");

    // Unload a module nobody uses, see it gone, load it back.
    let module = "app_morsecode.so";
    asterisk.unload_module(module).await.unwrap();
    assert_status(asterisk.get_module(module).await, 404);
    let listed = asterisk.list_modules().await.unwrap();
    assert!(!listed.iter().any(|m| m.name == module));
    asterisk.load_module(module).await.unwrap();
    let loaded = asterisk.get_module(module).await.unwrap();
    assert_eq!(loaded.status, "Running");
    assert_eq!(loaded.description, "Morse code");
    assert_status(asterisk.load_module("no_such_module.so").await, 409);
}

async fn last_reload(ctx: &Ctx) -> ari_client::time::Timestamp {
    let info = ctx
        .client
        .asterisk()
        .get_info()
        .only([AsteriskInfoSection::Status])
        .await
        .unwrap();
    info.status.unwrap().last_reload_time
}

async fn log_channels(ctx: &mut Ctx) {
    let asterisk = ctx.client.asterisk();
    let name = format!("{}.log", ctx.app);
    let listed = |channels: &[ari_client::models::LogChannel]| {
        channels
            .iter()
            .find(|c| c.channel.as_str().ends_with(&name))
            .cloned()
    };
    // Rotating any log channel drops every channel added through ARI (below): the two
    // transports' runs take turns.
    let _turn = LOGGING.lock().await;

    asterisk
        .add_log(name.as_str(), "notice,warning")
        .await
        .unwrap();
    assert_status(asterisk.add_log(name.as_str(), "notice").await, 409);
    let channel = listed(&asterisk.list_log_channels().await.unwrap())
        .unwrap_or_else(|| panic!("{name} not listed"));
    assert_eq!(channel.kind, "File");
    assert_eq!(channel.status, "Enabled");
    assert!(channel.configuration.contains("NOTICE"), "{channel:?}");
    assert!(channel.configuration.contains("WARNING"), "{channel:?}");
    asterisk.delete_log(name.as_str()).await.unwrap();
    assert!(listed(&asterisk.list_log_channels().await.unwrap()).is_none());
    assert_status(asterisk.delete_log(name.as_str()).await, 404);
    assert_status(asterisk.rotate_log(name.as_str()).await, 404);

    // Rotation renames the file to `<name>.0`.
    let dir = instance_dir("Log directory").await;
    asterisk.add_log(name.as_str(), "notice").await.unwrap();
    asterisk.rotate_log(name.as_str()).await.unwrap();
    let rotated = dir.join(format!("{name}.0"));
    eventually("the rotated log file", Duration::from_secs(5), || {
        let found = rotated.exists().then_some(());
        async move { found }
    })
    .await;
    // Asterisk 22.10.1 rebuilds its log channels from logger.conf when it rotates one, so
    // the channel added above is gone now; should a later version keep it, delete it.
    if listed(&asterisk.list_log_channels().await.unwrap()).is_some() {
        asterisk.delete_log(name.as_str()).await.unwrap();
    }
    for file in [dir.join(&name), rotated] {
        let _ = std::fs::remove_file(file);
    }
}

async fn global_variables(ctx: &mut Ctx) {
    let asterisk = ctx.client.asterisk();
    let variable = format!("{}_GLOBAL", ctx.app.to_uppercase());
    asterisk
        .set_global_var(variable.as_str())
        .value("a global value")
        .await
        .unwrap();
    let got = asterisk.get_global_var(variable.as_str()).await.unwrap();
    assert_eq!(got.value, "a global value");
    // Setting it empty removes it.
    asterisk.set_global_var(variable.as_str()).await.unwrap();
    let gone = asterisk.get_global_var(variable.as_str()).await.unwrap();
    assert_eq!(gone.value, "");
}

async fn dynamic_config(ctx: &mut Ctx) {
    let asterisk = ctx.client.asterisk();
    // Most PJSIP objects come from pjsip.conf and cannot be created (403); contacts live in
    // AstDB and can. This one belongs to no AOR, so it routes nothing.
    let id = format!("{};@contact", ctx.app);
    let uri = format!("sip:{}@127.0.0.1:9", ctx.app);
    let created = asterisk
        .update_object("res_pjsip", "contact", id.as_str())
        .field(ConfigTuple {
            attribute: "uri".into(),
            value: uri.clone(),
        })
        .field(ConfigTuple {
            attribute: "qualify_timeout".into(),
            value: "4".into(),
        })
        .await
        .unwrap();
    let value = |tuples: &[ConfigTuple], attribute: &str| {
        tuples
            .iter()
            .find(|t| t.attribute == attribute)
            .map(|t| t.value.clone())
    };
    assert_eq!(value(&created, "uri"), Some(uri.clone()));
    let read = asterisk
        .get_object("res_pjsip", "contact", id.as_str())
        .await
        .unwrap();
    assert_eq!(value(&read, "uri"), Some(uri));
    assert_eq!(value(&read, "qualify_timeout").as_deref(), Some("4.000000"));

    let message = assert_status(
        asterisk
            .update_object("res_pjsip", "endpoint", format!("{}_endpoint", ctx.app))
            .field(ConfigTuple {
                attribute: "context".into(),
                value: "sandbox".into(),
            })
            .await,
        403,
    );
    assert!(message.contains("Cannot create"), "{message}");
    let endpoint = asterisk
        .get_object("res_pjsip", "endpoint", "101")
        .await
        .unwrap();
    assert_eq!(value(&endpoint, "context").as_deref(), Some("from-sip"));

    asterisk
        .delete_object("res_pjsip", "contact", id.as_str())
        .await
        .unwrap();
    assert_status(
        asterisk
            .get_object("res_pjsip", "contact", id.as_str())
            .await,
        404,
    );
    assert_status(
        asterisk
            .delete_object("res_pjsip", "contact", id.as_str())
            .await,
        404,
    );
}
