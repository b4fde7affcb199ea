package com.example.shipping;

import java.util.List;

/** Prints shipping labels on a worker thread; one customer has no address. */
public class LabelPrinter {
    record Address(String street, String zip, String city) {
    }

    record Customer(long id, String name, Address address) {
    }

    static String label(Customer c) {
        return c.name() + "\n" + c.address().street() + "\n" + c.address().zip() + " " + c.address().city();
    }

    static void printAll(List<Customer> customers) {
        for (Customer c : customers) {
            String text = label(c);
            System.out.println("printed label for customer " + c.id() + " (" + text.length() + " chars)");
        }
    }

    public static void main(String[] args) throws InterruptedException {
        List<Customer> customers = List.of(
                new Customer(1001, "Grace Hopper", new Address("1 Navy Way", "22202", "Arlington")),
                new Customer(Long.parseLong(args[0]), "Alan Turing", null));
        Thread printer = new Thread(() -> printAll(customers), "label-printer-1");
        printer.start();
        printer.join();
    }
}
