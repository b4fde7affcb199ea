//! async-gateway: a tokio task panics on a runtime worker thread; main then
//! unwraps the JoinError.
use std::env;

#[derive(Debug)]
struct Route {
    prefix: String,
    upstreams: Vec<String>,
}

async fn pick_upstream(route: &Route, hash: usize) -> String {
    tokio::task::yield_now().await;
    route.upstreams[hash % 4].clone()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let hash: usize = env::args().nth(1).unwrap().parse().unwrap();
    let route = Route {
        prefix: "/api/orders".to_string(),
        upstreams: vec!["10.0.0.11:8080".to_string(), "10.0.0.12:8080".to_string()],
    };
    let handle = tokio::spawn(async move {
        let up = pick_upstream(&route, hash).await;
        format!("{} -> {}", route.prefix, up)
    });
    let target = handle.await.unwrap();
    println!("{target}");
}
