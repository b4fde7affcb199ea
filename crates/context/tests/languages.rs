//! One crash per language in the fixture repository: the exact span of the
//! enclosing function, and the rendered context (imports, class line, called
//! definitions) as the model would see it.

mod support;

use support::{frame, shop_repo};
use tracefix_context::{ContextOptions, Extent, SnippetKind, build_context};

struct Case {
    name: &'static str,
    file: &'static str,
    line: u32,
    function: &'static str,
    path: &'static str,
    symbol: &'static str,
    span: (u32, u32),
}

const CASES: &[Case] = &[
    Case {
        name: "python",
        file: "/app/shop/cart.py",
        line: 21,
        function: "Cart.average",
        path: "shop/cart.py",
        symbol: "Cart.average",
        span: (10, 21),
    },
    Case {
        name: "python_nested",
        file: "/app/shop/cart.py",
        line: 18,
        function: "price",
        path: "shop/cart.py",
        symbol: "Cart.average.price",
        span: (10, 18),
    },
    Case {
        name: "javascript",
        file: "webpack:///./src/cart.js",
        line: 11,
        function: "Cart.average",
        path: "web/src/cart.js",
        symbol: "Cart.average",
        span: (3, 12),
    },
    Case {
        name: "typescript",
        file: "/usr/src/app/web/src/cart.ts",
        line: 11,
        function: "Cart.average",
        path: "web/src/cart.ts",
        symbol: "Cart.average",
        span: (5, 13),
    },
    Case {
        name: "java",
        file: "Cart.java",
        line: 20,
        function: "com.acme.shop.Cart.average",
        path: "src/main/java/com/acme/shop/Cart.java",
        symbol: "Cart.average",
        span: (5, 21),
    },
    Case {
        name: "go",
        file: "/home/runner/work/shop/shop/internal/cart/cart.go",
        line: 20,
        function: "github.com/acme/shop/internal/cart.(*Cart).Average",
        path: "internal/cart/cart.go",
        symbol: "Cart.Average",
        span: (13, 21),
    },
    Case {
        name: "ruby",
        file: "/app/app/models/cart.rb",
        line: 13,
        function: "Shop::Cart#average",
        path: "app/models/cart.rb",
        symbol: "Shop.Cart.average",
        span: (4, 14),
    },
    Case {
        name: "php",
        file: "/var/www/html/php/src/Cart.php",
        line: 23,
        function: "App\\Shop\\Cart->average()",
        path: "php/src/Cart.php",
        symbol: "Cart.average",
        span: (8, 24),
    },
    Case {
        name: "csharp",
        file: "C:\\build\\cs\\Shop\\Cart.cs",
        line: 17,
        function: "Acme.Shop.Cart.Average()",
        path: "cs/Shop/Cart.cs",
        symbol: "Cart.Average",
        span: (6, 18),
    },
    Case {
        name: "csharp_local_function",
        file: "C:\\build\\cs\\Shop\\Cart.cs",
        line: 16,
        function: "Acme.Shop.Cart.<Average>g__Total|1_0()",
        path: "cs/Shop/Cart.cs",
        symbol: "Cart.Average.Total",
        span: (6, 16),
    },
    Case {
        name: "rust",
        file: "rust/src/cart.rs",
        line: 14,
        function: "shop::cart::Cart::average",
        path: "rust/src/cart.rs",
        symbol: "Cart.average",
        span: (9, 15),
    },
];

#[test]
fn enclosing_function_per_language() {
    let repo = shop_repo();
    let options = ContextOptions::default();
    for case in CASES {
        let context = build_context(
            &repo.index,
            &[frame(case.file, case.line, case.function)],
            &options,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert!(
            context.unresolved_frames.is_empty(),
            "{}: {:?}",
            case.name,
            context.unresolved_frames
        );
        let crash = &context.snippets[0];
        assert_eq!(crash.kind, SnippetKind::CrashSite, "{}", case.name);
        assert_eq!(crash.extent, Extent::Function, "{}", case.name);
        assert_eq!(crash.path, case.path, "{}", case.name);
        assert_eq!(crash.symbol.as_deref(), Some(case.symbol), "{}", case.name);
        // The span shown starts at the class line above the method.
        assert_eq!(
            (crash.start_line, crash.end_line),
            case.span,
            "{}",
            case.name
        );
        assert_eq!(crash.marked_lines, vec![case.line], "{}", case.name);
        assert!(
            context.omitted.is_empty(),
            "{}: {:?}",
            case.name,
            context.omitted
        );
        insta::assert_snapshot!(case.name, context.render());
    }
}
