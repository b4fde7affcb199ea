"""Legacy Python 2.7 cron job (run with python2.7)."""
import sys


def load_user(users, uid):
    return users[uid]


def nightly(users):
    for uid in [1, 2, int(sys.argv[1])]:
        print "mailing user %d" % load_user(users, uid)["id"]


if __name__ == "__main__":
    nightly({1: {"id": 1}, 2: {"id": 2}})
