package com.example.gateway

// Scala: Option.get on a tenant without a configured quota.
object RateLimiter {
  private val quotas: Map[String, Int] = Map("acme" -> 100, "globex" -> 50)

  class Window(tenant: String) {
    def limit: Int = quotas.get(tenant).get
  }

  def admit(tenant: String, used: Int): Boolean = new Window(tenant).limit > used

  def main(args: Array[String]): Unit = {
    Seq("acme", args(0)).foreach { t =>
      println(s"$t admitted: ${admit(t, 10)}")
    }
  }
}
