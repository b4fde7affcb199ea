//! No configured key appears in the `Debug` output of settings or clients.

mod common;

use common::{KEY, settings};
use tracefix_llm::{LlmSettings, Provider, client_from_settings};

#[test]
fn debug_output_never_shows_the_key() {
    for provider in [Provider::OpenAi, Provider::Anthropic, Provider::Bedrock] {
        let s: LlmSettings = settings(provider, "model-x", "http://127.0.0.1:9/v1");
        assert!(!format!("{s:?}").contains(KEY), "{provider} settings");
        let client = client_from_settings(&s).unwrap().expect("a client");
        let debug = format!("{client:?}");
        assert!(!debug.contains(KEY), "{provider} client: {debug}");
        assert!(!format!("{client:#?}").contains(KEY));
        assert_eq!(client.provider(), provider.as_str());
        assert_eq!(client.model(), "model-x");
    }
}

#[test]
fn provider_none_builds_no_client() {
    let s = settings(Provider::None, "", "http://127.0.0.1:9");
    assert!(client_from_settings(&s).unwrap().is_none());
}
