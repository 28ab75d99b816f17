# spark-env.sh for head in cluster fs.
# Written by sparkctl from templates/spark-env.sh.tera: edit the inventory, not this file.
export SPARK_LOCAL_HOSTNAME=198.51.100.5
export SPARK_IDENT_STRING=sparkctl
export SPARK_LOG_DIR=/srv/spark/logs
export SPARK_PID_DIR=/srv/spark/run
export SPARK_DAEMON_MEMORY=1g

# Master
export SPARK_MASTER_HOST=198.51.100.5
export SPARK_MASTER_PORT=7077
export SPARK_MASTER_WEBUI_PORT=8080
export SPARK_MASTER_OPTS='-Dspark.worker.timeout=30'

# Recovery and JVM options for every Spark daemon on this host (HA: filesystem)
export SPARK_DAEMON_JAVA_OPTS='-Dspark.deploy.recoveryMode=FILESYSTEM -Dspark.deploy.recoveryDirectory=/var/lib/spark/recovery'

