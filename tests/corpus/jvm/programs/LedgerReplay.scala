package com.example.ledger

// Scala: a non-exhaustive match inside a map() over the replayed entries.
object LedgerReplay {
  sealed trait Entry
  case class Debit(account: String, cents: Long) extends Entry
  case class Credit(account: String, cents: Long) extends Entry

  def parse(line: String): Entry = line.split(":").toList match {
    case List("D", acc, c) => Debit(acc, c.toLong)
    case List("C", acc, c) => Credit(acc, c.toLong)
  }

  def main(args: Array[String]): Unit = {
    val lines = List("D:4711:1200", "C:4711:1200", s"R:${args(0)}:500")
    val entries = lines.map(parse)
    println(s"replayed ${entries.size} entries")
  }
}
