module example.com/shop

go 1.19

require github.com/acme/lib v1.2.3

// The generator rewrites this path to where it installs the module
// (…/pkg/mod/github.com/acme/lib@v1.2.3), so frames look like module-cache frames.
replace github.com/acme/lib => ../acme-lib
