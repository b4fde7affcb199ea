//! Integration tests: a real server on 127.0.0.1:0 with a recording sink,
//! driven over real HTTP/1 connections. One test binary, so one link.

mod cloudwatch;
mod common;
mod firehose;
mod logs;
mod server;
