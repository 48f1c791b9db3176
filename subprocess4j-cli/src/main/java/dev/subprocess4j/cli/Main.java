package dev.subprocess4j.cli;

public final class Main {
    public static void main(String[] args) {
    }
}
