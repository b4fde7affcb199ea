package com.example.common.errors;

/** Base class of the shop's checked service exceptions (shop-common). */
public class ServiceException extends Exception {
    public ServiceException(String message, Throwable cause) {
        super(message, cause);
    }
}
