<?php
// Shared bootstrap: a PSR-4-ish autoloader for vendor/ and the app's own classes.
spl_autoload_register(static function (string $class): void {
    $map = [
        'Acme\\Lib\\' => __DIR__ . '/../vendor/acme/lib/src/',
        'App\\' => __DIR__ . '/',
    ];
    foreach ($map as $prefix => $dir) {
        if (str_starts_with($class, $prefix)) {
            $file = $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
});
