# spark-env.sh for hostc in cluster lab.
# Written by sparkctl from templates/spark-env.sh.tera: edit the inventory, not this file.
export SPARK_LOCAL_HOSTNAME=10.213.37.13
export SPARK_IDENT_STRING=sparkctl
export SPARK_LOG_DIR=/opt/spark/logs
export SPARK_PID_DIR=/opt/spark/run
export SPARK_DAEMON_MEMORY=256m

# Worker
export SPARK_WORKER_CORES=2
export SPARK_WORKER_MEMORY=1g
export SPARK_WORKER_DIR=/opt/spark/work
export SPARK_WORKER_WEBUI_PORT=8081

# Recovery and JVM options for every Spark daemon on this host (HA: zookeeper)
export SPARK_DAEMON_JAVA_OPTS='-XX:+UseSerialGC -XX:TieredStopAtLevel=1'

# extra_env from the inventory
export PYSPARK_PYTHON=/usr/bin/python3

