package com.example.payments;

import com.example.common.errors.ServiceException;
import com.example.common.http.UpstreamClient;
import com.example.common.retry.Retrier;

/** Captures an authorised card payment through the gateway, with retries (uses shop-common). */
public class CaptureJob {
    private final UpstreamClient gateway = new UpstreamClient("https://payments-gw.unavailable.internal");
    private final Retrier retrier = new Retrier(3);

    String capture(String chargeId, long cents) throws PaymentCaptureException {
        try {
            return retrier.call("capture " + chargeId,
                    () -> gateway.post("/v1/charges/" + chargeId + "/capture", "{\"amount\":" + cents + "}"));
        } catch (RuntimeException e) {
            throw new PaymentCaptureException("capture failed for charge " + chargeId, e);
        }
    }

    public static void main(String[] args) throws Exception {
        String chargeId = args[0];
        System.out.println("capturing " + chargeId);
        new CaptureJob().capture(chargeId, 12_990);
    }
}

class PaymentCaptureException extends ServiceException {
    PaymentCaptureException(String message, Throwable cause) {
        super(message, cause);
    }
}
