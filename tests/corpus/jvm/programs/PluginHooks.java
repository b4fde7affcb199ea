package com.example.plugins;

import java.lang.reflect.Method;

/**
 * Calls a plugin hook reflectively for every event. After 15 reflective calls
 * the JDK switches from NativeMethodAccessorImpl to a generated accessor, so
 * the failing call goes through jdk.internal.reflect.GeneratedMethodAccessor1.
 */
public class PluginHooks {
    public static class AuditPlugin {
        public void onEvent(int seq, String event) {
            if (event.startsWith("refund:")) {
                throw new IllegalArgumentException("audit plugin cannot handle " + event + " (seq " + seq + ")");
            }
        }
    }

    static void dispatch(Object plugin, Method hook, int seq, String event) throws Exception {
        hook.invoke(plugin, seq, event);
    }

    public static void main(String[] args) throws Exception {
        Object plugin = new AuditPlugin();
        Method hook = AuditPlugin.class.getMethod("onEvent", int.class, String.class);
        for (int seq = 1; seq <= 19; seq++) {
            dispatch(plugin, hook, seq, "order:" + (1000 + seq));
        }
        System.out.println("19 events dispatched");
        dispatch(plugin, hook, 20, "refund:" + args[0]);
    }
}
