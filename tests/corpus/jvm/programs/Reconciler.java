package com.example.ledger;

/** Reconciles a ledger batch; the invariant check throws without a message. */
public class Reconciler {
    static void checkBalanced(long debits, long credits) {
        if (debits != credits) {
            throw new IllegalStateException();
        }
    }

    static void reconcile(int batch, long[] entries) {
        long debits = 0;
        long credits = 0;
        for (long e : entries) {
            if (e < 0) {
                credits -= e;
            } else {
                debits += e;
            }
        }
        checkBalanced(debits, credits);
    }

    public static void main(String[] args) {
        int batch = Integer.parseInt(args[0]);
        reconcile(batch, new long[] {1200, -1200, 530, -500});
        System.out.println("batch " + batch + " balanced");
    }
}
