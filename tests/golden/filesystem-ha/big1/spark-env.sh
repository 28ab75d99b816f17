# spark-env.sh for big1 in cluster fs.
# Written by sparkctl from templates/spark-env.sh.tera: edit the inventory, not this file.
export SPARK_LOCAL_HOSTNAME=198.51.100.6
export SPARK_IDENT_STRING=sparkctl
export SPARK_LOG_DIR=/srv/spark/logs
export SPARK_PID_DIR=/srv/spark/run
export SPARK_DAEMON_MEMORY=1g

# Worker
export SPARK_WORKER_CORES=16
export SPARK_WORKER_MEMORY=64g
export SPARK_WORKER_DIR=/srv/spark/work
export SPARK_WORKER_WEBUI_PORT=8081

